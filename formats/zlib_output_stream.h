// ZlibOutputStream: deflates into another OutputStream as a ZLIB or GZIP
// stream, through a fixed 64 KiB buffer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "formats/compression.h"
#include "formats/output_stream.h"

typedef struct z_stream_s z_stream;

namespace troupe {

class ZlibOutputStream : public OutputStream {
 public:
  // REQUIRES: compression is kZlib or kGzip.
  static absl::StatusOr<std::unique_ptr<ZlibOutputStream>> Create(
      std::unique_ptr<OutputStream> output, Compression compression);
  ~ZlibOutputStream() override;
  ZlibOutputStream(const ZlibOutputStream&) = delete;
  ZlibOutputStream& operator=(const ZlibOutputStream&) = delete;

  absl::Status Append(absl::string_view bytes) override;
  // A full flush: what was appended can be inflated from the bytes so far.
  absl::Status Flush() override;
  // Ends the compressed stream, then closes the inner one.
  absl::Status Close() override;

 private:
  explicit ZlibOutputStream(std::unique_ptr<OutputStream> output);
  // Runs deflate with `flush` until it has consumed its input (and, for
  // Z_FINISH, ended the stream), handing output on.
  absl::Status Deflate(int flush);

  std::unique_ptr<OutputStream> output_;
  std::unique_ptr<z_stream> stream_;
  std::vector<char> out_;
  bool closed_ = false;
};

}  // namespace troupe
