#include "formats/zlib_input_stream.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"

namespace troupe {
namespace {

constexpr size_t kInputBufferBytes = 64 * 1024;

int WindowBits(Compression compression) {
  return compression == Compression::kGzip ? MAX_WBITS + 16 : MAX_WBITS;
}

}  // namespace

ZlibInputStream::ZlibInputStream(std::unique_ptr<InputStream> input,
                                 std::string name)
    : input_(std::move(input)),
      name_(std::move(name)),
      stream_(std::make_unique<z_stream>()),
      in_(kInputBufferBytes) {}

absl::StatusOr<std::unique_ptr<ZlibInputStream>> ZlibInputStream::Create(
    std::unique_ptr<InputStream> input, Compression compression,
    std::string name) {
  std::unique_ptr<ZlibInputStream> stream(
      new ZlibInputStream(std::move(input), std::move(name)));
  z_stream* z = stream->stream_.get();
  z->zalloc = Z_NULL;
  z->zfree = Z_NULL;
  z->opaque = Z_NULL;
  z->next_in = Z_NULL;
  z->avail_in = 0;
  const int result = inflateInit2(z, WindowBits(compression));
  if (result != Z_OK) {
    stream->stream_.reset();
    return absl::ResourceExhaustedError(absl::StrCat(
        "inflateInit2() failed with error ", result, " for ", stream->name_));
  }
  return stream;
}

ZlibInputStream::~ZlibInputStream() {
  if (stream_ != nullptr) inflateEnd(stream_.get());
}

absl::StatusOr<size_t> ZlibInputStream::Read(char* buffer, size_t n) {
  z_stream* z = stream_.get();
  const uInt want =
      static_cast<uInt>(std::min<size_t>(n, std::numeric_limits<uInt>::max()));
  if (want == 0) return 0;
  z->next_out = reinterpret_cast<Bytef*>(buffer);
  z->avail_out = want;
  while (z->avail_out == want) {
    if (z->avail_in == 0 && !input_ended_) {
      TROUPE_ASSIGN_OR_RETURN(size_t got, input_->Read(in_.data(), in_.size()));
      if (got == 0) {
        input_ended_ = true;
      } else {
        z->next_in = reinterpret_cast<Bytef*>(in_.data());
        z->avail_in = static_cast<uInt>(got);
      }
    }
    if (z->avail_in == 0 && input_ended_) {
      if (at_stream_start_) return 0;
      return absl::DataLossError(
          absl::StrCat("unexpected end of compressed data in ", name_));
    }
    at_stream_start_ = false;
    const int result = inflate(z, Z_NO_FLUSH);
    if (result == Z_STREAM_END) {
      at_stream_start_ = true;
      inflateReset(z);
    } else if (result != Z_OK && !(result == Z_BUF_ERROR && z->avail_in == 0)) {
      return absl::DataLossError(absl::StrCat(
          "inflate() failed with error ", result, ": ",
          z->msg != nullptr ? z->msg : "unknown error", " in ", name_));
    }
  }
  return static_cast<size_t>(want - z->avail_out);
}

StreamOpener DecompressingOpener(StreamOpener inner, Compression compression,
                                 std::string name) {
  if (compression == Compression::kNone) return inner;
  return [inner = std::move(inner), compression, name = std::move(name)]()
             -> absl::StatusOr<std::unique_ptr<InputStream>> {
    TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> raw, inner());
    TROUPE_ASSIGN_OR_RETURN(
        std::unique_ptr<ZlibInputStream> inflated,
        ZlibInputStream::Create(std::move(raw), compression, name));
    return std::unique_ptr<InputStream>(std::move(inflated));
  };
}

}  // namespace troupe
