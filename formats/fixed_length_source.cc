#include "formats/fixed_length_source.h"

#include <limits>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "formats/source_errors.h"

namespace troupe {

FixedLengthSource::FixedLengthSource(const ReaderOptions& options,
                                     std::string name, StreamOpener open)
    : name_(std::move(name)),
      open_(std::move(open)),
      header_bytes_(options.header_bytes),
      record_bytes_(options.record_bytes),
      footer_bytes_(options.footer_bytes),
      hop_bytes_(options.hop_bytes > 0 ? options.hop_bytes
                                       : options.record_bytes) {}

absl::StatusOr<std::unique_ptr<FixedLengthSource>> FixedLengthSource::Open(
    const ReaderOptions& options, std::string name, StreamOpener open) {
  std::unique_ptr<FixedLengthSource> source(
      new FixedLengthSource(options, std::move(name), std::move(open)));
  TROUPE_RETURN_IF_ERROR(source->Restore({source->header_bytes_, 0}));
  return source;
}

absl::StatusOr<std::optional<absl::string_view>> FixedLengthSource::Next() {
  if (!error_.ok()) return error_;
  if (done_) return std::nullopt;
  if (pending_skip_ > 0) {
    auto skipped = reader_->Skip(pending_skip_);
    if (!skipped.ok()) {
      error_ = skipped.status();
      return error_;
    }
    if (*skipped < pending_skip_) {
      done_ = true;
      return std::nullopt;
    }
    pending_skip_ = 0;
  }
  const size_t need = static_cast<size_t>(record_bytes_ + footer_bytes_);
  if (window_.size() < need) {
    auto read = reader_->Read(need - window_.size(), &window_);
    if (!read.ok()) {
      error_ = read.status();
      return error_;
    }
  }
  if (window_.size() < need) {
    done_ = true;
    window_.clear();
    return std::nullopt;
  }
  record_.assign(window_, 0, static_cast<size_t>(record_bytes_));
  const uint64_t hop = static_cast<uint64_t>(hop_bytes_);
  if (hop <= window_.size()) {
    window_.erase(0, static_cast<size_t>(hop));
  } else {
    pending_skip_ = hop - window_.size();
    window_.clear();
  }
  ++position_.index;
  position_.offset += hop_bytes_;
  return absl::string_view(record_);
}

absl::string_view FixedLengthSource::key() {
  key_.clear();
  absl::StrAppend(&key_, name_, ":", position_.index - 1);
  return key_;
}

absl::Status FixedLengthSource::Restore(const SourcePosition& position) {
  if (position.index < 0 ||
      position.index >
          (std::numeric_limits<int64_t>::max() - header_bytes_) / hop_bytes_ ||
      position.offset != header_bytes_ + position.index * hop_bytes_) {
    return BadPosition(ReaderKind::kFixedLengthRecord, name_, position,
                       absl::StrCat("records start at ", header_bytes_,
                                    " + index * ", hop_bytes_));
  }
  TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> stream, open_());
  auto reader = std::make_unique<ByteReader>(std::move(stream));
  const uint64_t offset = static_cast<uint64_t>(position.offset);
  TROUPE_ASSIGN_OR_RETURN(uint64_t skipped, reader->Skip(offset));
  // After record i - 1 the next start may lie up to one hop past the end.
  const uint64_t shortfall = offset - skipped;
  if (shortfall > 0 && position.index > 0 &&
      shortfall > static_cast<uint64_t>(hop_bytes_)) {
    return BadPosition(ReaderKind::kFixedLengthRecord, name_, position,
                       "past its end");
  }
  reader_ = std::move(reader);
  position_ = position;
  window_.clear();
  pending_skip_ = 0;
  done_ = shortfall > 0;
  error_ = absl::OkStatus();
  return absl::OkStatus();
}

}  // namespace troupe
