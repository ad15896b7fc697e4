#include "formats/queue_log.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

#include "base/little_endian.h"
#include "base/status_macros.h"
#include "formats/crc32c.h"
#include "serialization/wire_body.h"

namespace troupe {
namespace {

// Payload bytes (8), the CRC of those 8 bytes (4), the CRC of the payload (4).
constexpr size_t kPrefixBytes = 16;

uint32_t MaskedCrc(absl::string_view bytes) {
  return MaskCrc32c(Crc32c(bytes));
}

bool OnlyZeros(absl::string_view bytes) {
  return bytes.find_first_not_of('\0') == absl::string_view::npos;
}

void WriteFields(BodyWriter& writer, const QueueLogRecord& record) {
  switch (record.kind) {
    case QueueLogRecord::Kind::kHeader:
      writer(record.container, record.name, record.spec);
      break;
    case QueueLogRecord::Kind::kInsert:
      writer(record.sequence, record.single, record.tensors);
      break;
    case QueueLogRecord::Kind::kRemove:
      writer(record.sequence, record.count);
      break;
    case QueueLogRecord::Kind::kClose:
      break;
  }
}

absl::Status ReadFields(BodyReader& reader, QueueLogRecord& record) {
  switch (record.kind) {
    case QueueLogRecord::Kind::kHeader:
      TROUPE_RETURN_IF_ERROR(
          reader(record.container, record.name, record.spec));
      break;
    case QueueLogRecord::Kind::kInsert:
      TROUPE_RETURN_IF_ERROR(
          reader(record.sequence, record.single, record.tensors));
      break;
    case QueueLogRecord::Kind::kRemove:
      TROUPE_RETURN_IF_ERROR(reader(record.sequence, record.count));
      break;
    case QueueLogRecord::Kind::kClose:
      break;
  }
  return reader.Finish();
}

// Takes `count` bytes from the front of `payload`; false if it is shorter.
bool Take(absl::string_view& payload, size_t count, absl::string_view& out) {
  if (payload.size() < count) return false;
  out = payload.substr(0, count);
  payload.remove_prefix(count);
  return true;
}

bool TakeLittle64(absl::string_view& payload, uint64_t& value) {
  absl::string_view bytes;
  if (!Take(payload, 8, bytes)) return false;
  value = GetLittle<uint64_t>(bytes.data());
  return true;
}

// Decodes a payload whose CRC held. INVALID_ARGUMENT saying what is wrong.
absl::StatusOr<QueueLogRecord> DecodePayload(absl::string_view payload) {
  auto malformed = [](absl::string_view what) {
    return absl::InvalidArgumentError(what);
  };
  QueueLogRecord record;
  absl::string_view kind;
  if (!Take(payload, 1, kind)) return malformed("no record kind");
  const auto kind_byte = static_cast<uint8_t>(kind[0]);
  if (kind_byte < static_cast<uint8_t>(QueueLogRecord::Kind::kHeader) ||
      kind_byte > static_cast<uint8_t>(QueueLogRecord::Kind::kClose)) {
    return malformed(absl::StrCat("unknown record kind ", kind_byte));
  }
  record.kind = static_cast<QueueLogRecord::Kind>(kind_byte);
  uint64_t body_bytes = 0;
  absl::string_view body;
  if (!TakeLittle64(payload, body_bytes) || body_bytes > payload.size() ||
      !Take(payload, body_bytes, body)) {
    return malformed("truncated body");
  }
  absl::string_view count_bytes;
  if (!Take(payload, 4, count_bytes)) return malformed("no segment count");
  const uint32_t segment_count = GetLittle<uint32_t>(count_bytes.data());
  // Each segment takes at least its 8-byte length: no count allocates more
  // than the payload could hold.
  if (segment_count > payload.size() / 8) return malformed("truncated segment");
  std::vector<std::vector<char>> segments;
  segments.reserve(segment_count);
  for (uint32_t i = 0; i < segment_count; ++i) {
    uint64_t length = 0;
    absl::string_view bytes;
    if (!TakeLittle64(payload, length) || length > payload.size() ||
        !Take(payload, length, bytes)) {
      return malformed("truncated segment");
    }
    segments.emplace_back(bytes.begin(), bytes.end());
  }
  if (!payload.empty()) return malformed("stray bytes after the segments");
  BodyReader reader(absl::MakeConstSpan(body.data(), body.size()),
                    std::move(segments));
  TROUPE_RETURN_IF_ERROR(ReadFields(reader, record));
  return record;
}

// What one replayed element is charged, at least: a map entry and a tuple.
constexpr uint64_t kElementCost = 128;

// Sequence numbers stay far below 2^64, so that no range of them wraps.
constexpr uint64_t kMaxSequence = uint64_t{1} << 62;

// OK when `record`, an insert, holds one element or a batch of at least one,
// of as many components as `spec` names.
absl::Status CheckInsert(const QueueLogRecord& record, const QueueSpec& spec) {
  if (record.sequence > kMaxSequence) {
    return absl::InvalidArgumentError("a sequence number out of range");
  }
  if (record.tensors.size() != spec.dtypes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("an insert of ", record.tensors.size(),
                     " components into a queue of ", spec.dtypes.size()));
  }
  if (record.single) return absl::OkStatus();
  for (const Tensor& tensor : record.tensors) {
    if (tensor.shape().empty() || tensor.shape()[0] < 1 ||
        tensor.shape()[0] != record.tensors[0].shape()[0]) {
      return absl::InvalidArgumentError("a batch without rows in common");
    }
  }
  return absl::OkStatus();
}

uint64_t ElementCount(const QueueLogRecord& insert) {
  return insert.single ? 1
                       : static_cast<uint64_t>(insert.tensors[0].shape()[0]);
}

Tuple ElementOf(const QueueLogRecord& insert, uint64_t row) {
  if (insert.single) return insert.tensors;
  Tuple element;
  element.reserve(insert.tensors.size());
  for (const Tensor& tensor : insert.tensors)
    element.push_back(tensor.Slice(static_cast<int64_t>(row)));
  return element;
}

}  // namespace

QueueLogRecord QueueLogRecord::Header(std::string container, std::string name,
                                      QueueSpec spec) {
  QueueLogRecord record;
  record.kind = Kind::kHeader;
  record.container = std::move(container);
  record.name = std::move(name);
  record.spec = std::move(spec);
  return record;
}

QueueLogRecord QueueLogRecord::Insert(uint64_t sequence, bool single,
                                      Tuple tensors) {
  QueueLogRecord record;
  record.kind = Kind::kInsert;
  record.sequence = sequence;
  record.single = single;
  record.tensors = std::move(tensors);
  return record;
}

QueueLogRecord QueueLogRecord::Remove(uint64_t sequence, uint64_t count) {
  QueueLogRecord record;
  record.kind = Kind::kRemove;
  record.sequence = sequence;
  record.count = count;
  return record;
}

QueueLogRecord QueueLogRecord::Close() { return QueueLogRecord{}; }

void AppendQueueLogRecord(const QueueLogRecord& record, std::string& out) {
  BodyWriter writer;
  WriteFields(writer, record);
  OutgoingSegments segments = writer.TakeSegments();
  const std::vector<char>& body = writer.body();
  uint64_t payload_size = 1 + 8 + body.size() + 4;
  for (const absl::Span<const char>& segment : segments.spans())
    payload_size += 8 + segment.size();

  // The payload goes straight after its frame, whose CRC of it is filled
  // in last: the tensors' bytes are copied once.
  const size_t start = out.size();
  // Grown as appends grow it, so that a batch of records stays linear.
  const size_t needed = start + kPrefixBytes + payload_size;
  if (needed > out.capacity())
    out.reserve(std::max(needed, 2 * out.capacity()));
  AppendLittle<uint64_t>(payload_size, out);
  AppendLittle<uint32_t>(MaskedCrc(absl::string_view(out).substr(start, 8)),
                         out);
  AppendLittle<uint32_t>(0, out);
  out.push_back(static_cast<char>(record.kind));
  AppendLittle<uint64_t>(body.size(), out);
  out.append(body.data(), body.size());
  AppendLittle<uint32_t>(static_cast<uint32_t>(segments.spans().size()), out);
  for (const absl::Span<const char>& segment : segments.spans()) {
    AppendLittle<uint64_t>(segment.size(), out);
    out.append(segment.data(), segment.size());
  }
  PutLittle<uint32_t>(
      MaskedCrc(absl::string_view(out).substr(start + kPrefixBytes)),
      &out[start + 12]);
}

std::string EncodeQueueLogRecords(const std::vector<QueueLogRecord>& records) {
  std::string bytes;
  for (const QueueLogRecord& record : records)
    AppendQueueLogRecord(record, bytes);
  return bytes;
}

absl::StatusOr<ReplayedQueue> ReplayQueueLog(absl::string_view bytes,
                                             const std::string& name,
                                             uint64_t max_bytes) {
  auto lost = [&name](absl::string_view what, uint64_t at) {
    return absl::DataLossError(absl::StrCat(what, " at ", at, " in ", name));
  };
  ReplayedQueue replayed;
  std::map<uint64_t, Tuple> elements;
  // Every element inserted, removed or not, costs kElementCost bytes of the
  // memory limit, so that a batch of empty rows cannot take it all.
  const uint64_t max_elements = max_bytes / kElementCost;
  uint64_t inserted = 0;
  bool have_header = false;
  uint64_t offset = 0;
  while (offset < bytes.size()) {
    const absl::string_view rest = bytes.substr(offset);
    // Zeros after the last record are the file's free space (the writer
    // allocates ahead), or what a crash left of writes never answered.
    if (OnlyZeros(rest)) break;
    // A record cut short by a crash ends the log; it was never answered.
    // Only zeros may follow it, since the file may have been allocated ahead.
    if (rest.size() < kPrefixBytes) {
      replayed.torn_tail = true;
      break;
    }
    if (MaskedCrc(rest.substr(0, 8)) != GetLittle<uint32_t>(rest.data() + 8)) {
      if (!OnlyZeros(rest.substr(kPrefixBytes)))
        return lost("corrupted record length", offset);
      replayed.torn_tail = true;
      break;
    }
    const uint64_t payload_bytes = GetLittle<uint64_t>(rest.data());
    if (payload_bytes > rest.size() - kPrefixBytes) {
      replayed.torn_tail = true;
      break;
    }
    const absl::string_view payload = rest.substr(kPrefixBytes, payload_bytes);
    const uint64_t end = offset + kPrefixBytes + payload_bytes;
    if (MaskedCrc(payload) != GetLittle<uint32_t>(rest.data() + 12)) {
      if (!OnlyZeros(bytes.substr(end)))
        return lost("corrupted record", offset);
      replayed.torn_tail = true;
      break;
    }
    absl::StatusOr<QueueLogRecord> record = DecodePayload(payload);
    if (!record.ok()) {
      return lost(
          absl::StrCat("malformed record (", record.status().message(), ")"),
          offset);
    }
    if (have_header == (record->kind == QueueLogRecord::Kind::kHeader)) {
      return lost(have_header ? "a second header" : "no header", offset);
    }
    switch (record->kind) {
      case QueueLogRecord::Kind::kHeader:
        if (!record->spec.durable())
          return lost("a header of a queue that is not durable", offset);
        have_header = true;
        replayed.container = std::move(record->container);
        replayed.name = std::move(record->name);
        replayed.spec = std::move(record->spec);
        break;
      case QueueLogRecord::Kind::kInsert: {
        if (absl::Status valid = CheckInsert(*record, replayed.spec);
            !valid.ok()) {
          return lost(absl::StrCat("malformed record (", valid.message(), ")"),
                      offset);
        }
        const uint64_t count = ElementCount(*record);
        inserted += count;
        if (inserted > max_elements) {
          return absl::ResourceExhaustedError(absl::StrCat(
              "Replaying ", name, " would insert more than ", max_elements,
              " elements, more than the task's memory limit allows"));
        }
        for (uint64_t row = 0; row < count; ++row)
          elements[record->sequence + row] = ElementOf(*record, row);
        break;
      }
      case QueueLogRecord::Kind::kRemove:
        if (record->sequence > kMaxSequence || record->count > kMaxSequence) {
          return lost("malformed record (a sequence number out of range)",
                      offset);
        }
        elements.erase(elements.lower_bound(record->sequence),
                       elements.lower_bound(record->sequence + record->count));
        break;
      case QueueLogRecord::Kind::kClose:
        replayed.closed = true;
        break;
    }
    offset = end;
    replayed.valid_bytes = end;
  }
  if (!have_header) return lost("no header", 0);
  replayed.elements.reserve(elements.size());
  for (auto& [sequence, element] : elements)
    replayed.elements.push_back(std::move(element));
  return replayed;
}

}  // namespace troupe
