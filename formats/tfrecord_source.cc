#include "formats/tfrecord_source.h"

#include "absl/strings/str_cat.h"

#include "base/little_endian.h"
#include "base/status_macros.h"
#include "formats/crc32c.h"
#include "formats/source_errors.h"
#include "formats/tfrecord_format.h"

namespace troupe {
namespace {

absl::Status Corrupted(uint64_t offset, absl::string_view name) {
  return absl::DataLossError(
      absl::StrCat("corrupted record at ", offset, " in ", name));
}

// What a record too large for the reader's buffer reserves first.
constexpr size_t kReserveBytes = 64 * 1024;

absl::Status Truncated(uint64_t offset, absl::string_view name) {
  return absl::DataLossError(
      absl::StrCat("truncated record at ", offset, " in ", name));
}

}  // namespace

TFRecordSource::TFRecordSource(const ReaderOptions& options, std::string name,
                               StreamOpener open)
    : name_(std::move(name)),
      open_(std::move(open)),
      skip_corrupt_(options.skip_corrupt),
      max_record_bytes_(options.max_record_bytes) {}

absl::StatusOr<std::unique_ptr<TFRecordSource>> TFRecordSource::Open(
    const ReaderOptions& options, std::string name, StreamOpener open) {
  std::unique_ptr<TFRecordSource> source(
      new TFRecordSource(options, std::move(name), std::move(open)));
  TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> stream, source->open_());
  source->reader_ = std::make_unique<ByteReader>(std::move(stream));
  return source;
}

absl::Status TFRecordSource::ReadRecord(bool* at_end, bool* framing_intact) {
  *at_end = false;
  *framing_intact = false;
  const uint64_t offset = reader_->offset();
  TROUPE_ASSIGN_OR_RETURN(absl::string_view header,
                          reader_->Peek(kTFRecordHeaderBytes));
  if (header.empty()) {
    *at_end = true;
    return absl::OkStatus();
  }
  if (header.size() < kTFRecordHeaderBytes) return Truncated(offset, name_);
  if (UnmaskCrc32c(GetLittle<uint32_t>(header.data() + 8)) !=
      Crc32c(header.substr(0, 8))) {
    return Corrupted(offset, name_);
  }
  const uint64_t length = GetLittle<uint64_t>(header.data());
  if (length > static_cast<uint64_t>(max_record_bytes_)) {
    return TooLarge(absl::StrCat("Record at ", offset, " of ", name_), length,
                    max_record_bytes_);
  }
  const size_t size = static_cast<size_t>(length);
  const size_t whole = kTFRecordHeaderBytes + size + kTFRecordFooterBytes;
  absl::string_view footer;
  if (whole <= reader_->buffer_bytes()) {
    // Read in place, in the reader's buffer.
    TROUPE_ASSIGN_OR_RETURN(absl::string_view bytes, reader_->Peek(whole));
    if (bytes.size() < whole) return Truncated(offset, name_);
    reader_->Consume(whole);
    value_ = bytes.substr(kTFRecordHeaderBytes, size);
    footer = bytes.substr(kTFRecordHeaderBytes + size);
  } else {
    reader_->Consume(kTFRecordHeaderBytes);
    // A large record's own buffer grows with the bytes that exist, never by
    // a claimed length at once.
    data_ = std::string();
    data_.reserve(kReserveBytes);
    TROUPE_ASSIGN_OR_RETURN(size_t got, reader_->Read(size, &data_));
    footer_.clear();
    if (got == size) {
      TROUPE_ASSIGN_OR_RETURN(got,
                              reader_->Read(kTFRecordFooterBytes, &footer_));
    }
    if (footer_.size() < kTFRecordFooterBytes) return Truncated(offset, name_);
    value_ = data_;
    footer = footer_;
  }
  *framing_intact = true;
  if (UnmaskCrc32c(GetLittle<uint32_t>(footer.data())) != Crc32c(value_)) {
    return Corrupted(offset + kTFRecordHeaderBytes, name_);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<absl::string_view>> TFRecordSource::Next() {
  while (error_.ok() && !done_) {
    const int64_t offset = position_.offset;
    bool at_end;
    bool framing_intact;
    const absl::Status status = ReadRecord(&at_end, &framing_intact);
    if (status.ok()) {
      if (at_end) {
        done_ = true;
        break;
      }
      ++position_.index;
      position_.offset = static_cast<int64_t>(reader_->offset());
      record_offset_ = offset;
      return value_;
    }
    if (!skip_corrupt_ || !absl::IsDataLoss(status)) {
      error_ = status;
      break;
    }
    ++records_skipped_;
    if (framing_intact) {
      ++position_.index;
      position_.offset = static_cast<int64_t>(reader_->offset());
    } else {
      done_ = true;
    }
  }
  if (!error_.ok()) return error_;
  return std::nullopt;
}

absl::string_view TFRecordSource::key() {
  key_.clear();
  absl::StrAppend(&key_, name_, ":", record_offset_);
  return key_;
}

absl::Status TFRecordSource::Restore(const SourcePosition& position) {
  if (position.offset < 0 || position.index < 0 ||
      (position.offset == 0) != (position.index == 0)) {
    return BadPosition(ReaderKind::kTFRecord, name_, position,
                       "not a record of it");
  }
  const uint64_t offset = static_cast<uint64_t>(position.offset);
  // A record must start there: its header's CRC must hold, unless the unit
  // ends there.
  {
    TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> stream, open_());
    ByteReader probe(std::move(stream));
    TROUPE_ASSIGN_OR_RETURN(uint64_t skipped, probe.Skip(offset));
    if (skipped < offset) {
      return BadPosition(ReaderKind::kTFRecord, name_, position,
                         "past its end");
    }
    std::string header;
    TROUPE_ASSIGN_OR_RETURN(size_t got,
                            probe.Read(kTFRecordHeaderBytes, &header));
    if (got == kTFRecordHeaderBytes &&
        UnmaskCrc32c(GetLittle<uint32_t>(header.data() + 8)) !=
            Crc32c(absl::string_view(header.data(), 8))) {
      return BadPosition(ReaderKind::kTFRecord, name_, position,
                         "no record starts there");
    }
  }
  TROUPE_ASSIGN_OR_RETURN(std::unique_ptr<InputStream> stream, open_());
  auto reader = std::make_unique<ByteReader>(std::move(stream));
  TROUPE_ASSIGN_OR_RETURN(uint64_t skipped, reader->Skip(offset));
  if (skipped < offset) {
    return BadPosition(ReaderKind::kTFRecord, name_, position, "past its end");
  }
  reader_ = std::move(reader);
  position_ = position;
  done_ = false;
  error_ = absl::OkStatus();
  return absl::OkStatus();
}

}  // namespace troupe
