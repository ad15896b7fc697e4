#include "formats/zlib_output_stream.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"

namespace troupe {
namespace {

constexpr size_t kOutputBufferBytes = 64 * 1024;

}  // namespace

ZlibOutputStream::ZlibOutputStream(std::unique_ptr<OutputStream> output)
    : output_(std::move(output)),
      stream_(std::make_unique<z_stream>()),
      out_(kOutputBufferBytes) {}

absl::StatusOr<std::unique_ptr<ZlibOutputStream>> ZlibOutputStream::Create(
    std::unique_ptr<OutputStream> output, Compression compression) {
  std::unique_ptr<ZlibOutputStream> stream(
      new ZlibOutputStream(std::move(output)));
  z_stream* z = stream->stream_.get();
  z->zalloc = Z_NULL;
  z->zfree = Z_NULL;
  z->opaque = Z_NULL;
  const int window_bits =
      compression == Compression::kGzip ? MAX_WBITS + 16 : MAX_WBITS;
  const int result = deflateInit2(z, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                                  window_bits, 8, Z_DEFAULT_STRATEGY);
  if (result != Z_OK) {
    stream->stream_.reset();
    return absl::ResourceExhaustedError(
        absl::StrCat("deflateInit2() failed with error ", result));
  }
  return stream;
}

ZlibOutputStream::~ZlibOutputStream() {
  if (stream_ != nullptr) deflateEnd(stream_.get());
}

absl::Status ZlibOutputStream::Deflate(int flush) {
  z_stream* z = stream_.get();
  while (true) {
    z->next_out = reinterpret_cast<Bytef*>(out_.data());
    z->avail_out = static_cast<uInt>(out_.size());
    const int result = deflate(z, flush);
    if (result != Z_OK && result != Z_STREAM_END && result != Z_BUF_ERROR) {
      return absl::InternalError(
          absl::StrCat("deflate() failed with error ", result));
    }
    const size_t produced = out_.size() - z->avail_out;
    if (produced > 0) {
      TROUPE_RETURN_IF_ERROR(
          output_->Append(absl::string_view(out_.data(), produced)));
    }
    if (flush == Z_FINISH ? result == Z_STREAM_END
                          : (z->avail_in == 0 && z->avail_out != 0)) {
      return absl::OkStatus();
    }
  }
}

absl::Status ZlibOutputStream::Append(absl::string_view bytes) {
  if (closed_) return absl::FailedPreconditionError("stream is closed");
  z_stream* z = stream_.get();
  while (!bytes.empty()) {
    const size_t chunk =
        std::min<size_t>(bytes.size(), std::numeric_limits<uInt>::max());
    z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    z->avail_in = static_cast<uInt>(chunk);
    TROUPE_RETURN_IF_ERROR(Deflate(Z_NO_FLUSH));
    bytes.remove_prefix(chunk);
  }
  return absl::OkStatus();
}

absl::Status ZlibOutputStream::Flush() {
  if (closed_) return absl::FailedPreconditionError("stream is closed");
  z_stream* z = stream_.get();
  z->next_in = Z_NULL;
  z->avail_in = 0;
  TROUPE_RETURN_IF_ERROR(Deflate(Z_FULL_FLUSH));
  return output_->Flush();
}

absl::Status ZlibOutputStream::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  z_stream* z = stream_.get();
  z->next_in = Z_NULL;
  z->avail_in = 0;
  TROUPE_RETURN_IF_ERROR(Deflate(Z_FINISH));
  return output_->Close();
}

}  // namespace troupe
