#include "formats/text_line_source.h"

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "formats/source_errors.h"

namespace troupe {

TextLineSource::TextLineSource(const ReaderOptions& options, std::string name,
                               StreamOpener open)
    : name_(std::move(name)),
      open_(std::move(open)),
      skip_header_lines_(options.skip_header_lines),
      max_line_bytes_(options.max_record_bytes) {}

absl::StatusOr<std::unique_ptr<TextLineSource>> TextLineSource::Open(
    const ReaderOptions& options, std::string name, StreamOpener open) {
  std::unique_ptr<TextLineSource> source(
      new TextLineSource(options, std::move(name), std::move(open)));
  TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> stream, source->open_());
  source->reader_ = std::make_unique<ByteReader>(std::move(stream));
  for (int64_t line = 0; line < source->skip_header_lines_; ++line) {
    TROUPE_ASSIGN_OR_RETURN(
        ByteReader::Line read,
        source->reader_->ReadLine(
            &source->line_, static_cast<size_t>(source->max_line_bytes_)));
    if (read == ByteReader::Line::kEnd) break;
    if (read == ByteReader::Line::kTooLong) {
      return TooLong(absl::StrCat("Line ", line + 1, " of ", source->name_),
                     source->max_line_bytes_);
    }
    ++source->position_.index;
  }
  source->position_.offset = static_cast<int64_t>(source->reader_->offset());
  return source;
}

absl::StatusOr<std::optional<absl::string_view>> TextLineSource::Next() {
  if (!error_.ok()) return error_;
  if (done_) return std::nullopt;
  auto read = reader_->ReadLine(&line_, static_cast<size_t>(max_line_bytes_));
  if (!read.ok()) {
    error_ = read.status();
    return error_;
  }
  if (*read == ByteReader::Line::kTooLong) {
    error_ = TooLong(absl::StrCat("Line ", position_.index + 1, " of ", name_),
                     max_line_bytes_);
    return error_;
  }
  if (*read != ByteReader::Line::kEnd && !line_.empty() &&
      line_.back() == '\r') {
    line_.pop_back();
  }
  if (*read == ByteReader::Line::kEnd ||
      (*read == ByteReader::Line::kLast && line_.empty())) {
    done_ = true;
    return std::nullopt;
  }
  ++position_.index;
  position_.offset = static_cast<int64_t>(reader_->offset());
  return absl::string_view(line_);
}

absl::string_view TextLineSource::key() {
  key_.clear();
  absl::StrAppend(&key_, name_, ":", position_.index);
  return key_;
}

absl::Status TextLineSource::Restore(const SourcePosition& position) {
  if (position.offset < 0 || position.index < 0 ||
      (position.offset == 0) != (position.index == 0)) {
    return BadPosition(ReaderKind::kTextLine, name_, position,
                       "not a line of it");
  }
  TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> stream, open_());
  auto reader = std::make_unique<ByteReader>(std::move(stream));
  bool at_end = false;
  if (position.offset > 0) {
    const uint64_t before = static_cast<uint64_t>(position.offset) - 1;
    TROUPE_ASSIGN_OR_RETURN(uint64_t skipped, reader->Skip(before));
    std::string last;
    if (skipped == before) {
      TROUPE_ASSIGN_OR_RETURN(size_t got, reader->Read(1, &last));
      static_cast<void>(got);
    }
    if (last.empty()) {
      return BadPosition(ReaderKind::kTextLine, name_, position,
                         "past its end");
    }
    if (last != "\n") {
      // Only the end of a last line without '\n' is a position there.
      std::string next;
      TROUPE_ASSIGN_OR_RETURN(size_t more, reader->Read(1, &next));
      if (more != 0) {
        return BadPosition(ReaderKind::kTextLine, name_, position,
                           "not the start of a line");
      }
      at_end = true;
    }
  }
  if (position.index < skip_header_lines_ && !at_end) {
    std::string next;
    TROUPE_ASSIGN_OR_RETURN(size_t more, reader->Read(1, &next));
    if (more != 0) {
      return BadPosition(ReaderKind::kTextLine, name_, position,
                         "inside its header lines");
    }
    at_end = true;
  }
  reader_ = std::move(reader);
  position_ = position;
  done_ = at_end;
  error_ = absl::OkStatus();
  return absl::OkStatus();
}

}  // namespace troupe
