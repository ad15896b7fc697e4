// FileOutputStream: an OutputStream into a file created (or truncated) by
// path, buffered in 64 KiB.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

#include "formats/output_stream.h"

namespace troupe {

class FileOutputStream : public OutputStream {
 public:
  // Creates or truncates `path`; `name` is how errors name it
  // ("<name>; Permission denied", ...).
  static absl::StatusOr<std::unique_ptr<FileOutputStream>> Create(
      const std::string& path, std::string name);
  // Closes the file; what was not flushed may be lost: call Close().
  ~FileOutputStream() override;
  FileOutputStream(const FileOutputStream&) = delete;
  FileOutputStream& operator=(const FileOutputStream&) = delete;

  absl::Status Append(absl::string_view bytes) override;
  absl::Status Flush() override;
  absl::Status Close() override;

 private:
  FileOutputStream(int fd, std::string name);

  int fd_;
  std::string name_;
  std::string buffer_;
};

}  // namespace troupe
