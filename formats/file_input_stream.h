// FileInputStream: an InputStream over a file opened by path, read with
// read(2) into the caller's buffer (no buffering of its own).
#pragma once

#include <memory>
#include <string>

#include "formats/input_stream.h"

namespace troupe {

class FileInputStream : public InputStream {
 public:
  // Opens `path` for reading; `name` is how errors name the file. Errors as
  // TensorFlow words them: NOT_FOUND "<name>; No such file or directory",
  // PERMISSION_DENIED "<name>; Permission denied", FAILED_PRECONDITION
  // "<name>; Is a directory".
  static absl::StatusOr<std::unique_ptr<FileInputStream>> Open(
      const std::string& path, std::string name);
  ~FileInputStream() override;
  FileInputStream(const FileInputStream&) = delete;
  FileInputStream& operator=(const FileInputStream&) = delete;

  absl::StatusOr<size_t> Read(char* buffer, size_t n) override;
  // Seeks instead of reading when the file is a regular file.
  absl::StatusOr<uint64_t> Skip(uint64_t n) override;

  // The file's size when it was opened (0 for pipes and devices).
  uint64_t size() const { return size_; }

 private:
  FileInputStream(int fd, std::string name, uint64_t size, bool regular)
      : fd_(fd), name_(std::move(name)), size_(size), regular_(regular) {}

  int fd_;
  std::string name_;
  uint64_t size_;
  bool regular_;
};

// Opens a FileInputStream over `path` each time, naming it `name`.
StreamOpener FileOpener(std::string path, std::string name);

}  // namespace troupe
