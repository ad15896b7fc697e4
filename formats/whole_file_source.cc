#include "formats/whole_file_source.h"

#include "base/status_macros.h"
#include "formats/byte_reader.h"
#include "formats/source_errors.h"

namespace troupe {

absl::StatusOr<std::unique_ptr<WholeFileSource>> WholeFileSource::Open(
    const ReaderOptions& options, std::string name, StreamOpener open) {
  std::unique_ptr<WholeFileSource> source(new WholeFileSource(
      std::move(name), std::move(open), options.max_record_bytes));
  TROUPE_ASSIGN_OR_RETURN(source->stream_, source->open_());
  return source;
}

absl::StatusOr<std::optional<absl::string_view>> WholeFileSource::Next() {
  if (!error_.ok()) return error_;
  if (done_) return std::nullopt;
  ByteReader reader(std::move(stream_));
  const size_t limit = static_cast<size_t>(max_bytes_);
  contents_.clear();
  auto read = reader.Read(limit + 1, &contents_);
  if (read.ok() && *read > limit) {
    contents_.clear();
    contents_.shrink_to_fit();
    auto rest = reader.Skip(UINT64_MAX);
    if (rest.ok()) {
      error_ = TooLarge(name_, limit + 1 + *rest, max_bytes_);
    } else {
      error_ = rest.status();
    }
  } else if (!read.ok()) {
    error_ = read.status();
  }
  if (!error_.ok()) return error_;
  done_ = true;
  return absl::string_view(contents_);
}

absl::Status WholeFileSource::Restore(const SourcePosition& position) {
  if (position.offset != 0 || (position.index != 0 && position.index != 1)) {
    return BadPosition(ReaderKind::kWholeFile, name_, position,
                       "a whole file is read or not");
  }
  std::unique_ptr<InputStream> stream;
  if (position.index == 0) {
    TROUPE_ASSIGN_OR_RETURN(stream, open_());
  }
  stream_ = std::move(stream);
  done_ = position.index == 1;
  error_ = absl::OkStatus();
  return absl::OkStatus();
}

}  // namespace troupe
