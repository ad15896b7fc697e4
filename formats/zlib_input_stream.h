// ZlibInputStream: inflates a ZLIB or GZIP stream read from another
// InputStream, through fixed buffers (64 KiB in, zlib's 32 KiB window).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/compression.h"
#include "formats/input_stream.h"

typedef struct z_stream_s z_stream;

namespace troupe {

// Concatenated streams (several gzip members, as `cat a.gz b.gz` makes) read
// as one. A corrupt stream is DATA_LOSS "inflate() failed with error <n>:
// <zlib's message> in <name>" (TensorFlow's text, plus the file); a stream
// cut short is DATA_LOSS "unexpected end of compressed data in <name>"
// (TensorFlow ends quietly there).
class ZlibInputStream : public InputStream {
 public:
  // REQUIRES: compression is kZlib or kGzip.
  static absl::StatusOr<std::unique_ptr<ZlibInputStream>> Create(
      std::unique_ptr<InputStream> input, Compression compression,
      std::string name);
  ~ZlibInputStream() override;
  ZlibInputStream(const ZlibInputStream&) = delete;
  ZlibInputStream& operator=(const ZlibInputStream&) = delete;

  absl::StatusOr<size_t> Read(char* buffer, size_t n) override;

 private:
  ZlibInputStream(std::unique_ptr<InputStream> input, std::string name);

  std::unique_ptr<InputStream> input_;
  std::string name_;
  std::unique_ptr<z_stream> stream_;
  std::vector<char> in_;
  bool input_ended_ = false;
  // Between two streams: the input may end here.
  bool at_stream_start_ = true;
};

// Opens `inner` and inflates it, or just opens it for kNone.
StreamOpener DecompressingOpener(StreamOpener inner, Compression compression,
                                 std::string name);

}  // namespace troupe
