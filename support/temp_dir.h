// A fresh directory under $TMPDIR (or /tmp) for a test or a benchmark,
// removed with everything in it when the object goes.
#pragma once

#include <string>

namespace troupe::support {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Writes `content` to path()/name and returns that path.
  std::string Write(const std::string& name, const std::string& content) const;
  // The bytes of path()/name; empty when it cannot be read.
  std::string Read(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace troupe::support
