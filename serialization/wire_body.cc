#include "serialization/wire_body.h"

#include <limits>

#include "absl/strings/str_cat.h"

#include "base/little_endian.h"
#include "base/status_macros.h"
#include "cereal/types/string.hpp"

namespace troupe {

namespace {

// The fewest bytes one element takes in a body, so that no announced count
// allocates more than a small multiple of the bytes actually sent.
constexpr size_t kStringMinBytes = 8;        // Its length.
constexpr size_t kPartialShapeMinBytes = 9;  // Known-rank flag, dim count.
constexpr size_t kTensorMinBytes = 13;       // Dtype, dim count, segment.
constexpr size_t kTupleMinBytes = 8;         // Its tensor count.
// Two names (16), a QueueSpec (42), size and the waiter counts (24), the
// queue's totals and bytes (24), three flags (3), a VariableSpec (9), a
// reader kind (8) and its counters (24), a runner's state, target and steps
// (24);
// tests/serialization/wire_body_test.cc checks it against the encoding of a
// default ResourceInfo.
constexpr size_t kResourceInfoMinBytes = 182;
// Prefix length, time, tensors, bytes, device count, latest.
constexpr size_t kCheckpointInfoMinBytes = 41;
constexpr size_t kInt64sMinBytes = 8;  // Their count.
// Kind (4), queue and reader names (16), the inline flag (1), a ReaderSpec
// (57), up_to (8), the strings' count (8), range (8), the tensors' count
// (8); wire_messages_test.cc checks it, as the next one, against a
// default's encoding.
constexpr size_t kRunnerSourceMinBytes = 110;
constexpr size_t kCsvColumnMinBytes = 10;  // Dtype (1), flag (1), text (8).

absl::Status Truncated(uint64_t count, const char* what, size_t remaining) {
  return absl::InvalidArgumentError(
      absl::StrCat("Message body announces ", count, " ", what, ", but only ",
                   remaining, " bytes remain"));
}

}  // namespace

namespace wire_internal {

std::streamsize VectorSink::xsputn(const char* data, std::streamsize n) {
  out_.insert(out_.end(), data, data + n);
  return n;
}

VectorSink::int_type VectorSink::overflow(int_type c) {
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    out_.push_back(traits_type::to_char_type(c));
  }
  return traits_type::not_eof(c);
}

SpanSource::SpanSource(absl::Span<const char> bytes) {
  // The get area is only read: std::streambuf wants mutable pointers.
  char* begin = const_cast<char*>(bytes.data());
  setg(begin, begin, begin + bytes.size());
}

}  // namespace wire_internal

namespace {

// Most bodies (a request naming a resource and its tensors, a reply) fit
// here: one allocation instead of the vector doubling its way up from one
// byte, field by field.
constexpr size_t kReservedBodyBytes = 256;

std::vector<char> ReservedBody() {
  std::vector<char> body;
  body.reserve(kReservedBodyBytes);
  return body;
}

}  // namespace

// --- BodyWriter ----------------------------------------------------------

BodyWriter::BodyWriter()
    : body_(ReservedBody()),
      sink_(body_),
      stream_(&sink_),
      archive_(*stream_,
               cereal::PortableBinaryOutputArchive::Options::LittleEndian()) {}

void BodyWriter::Write(bool x) { archive_(static_cast<uint8_t>(x)); }
void BodyWriter::Write(int32_t x) { archive_(x); }
void BodyWriter::Write(int64_t x) { archive_(x); }
void BodyWriter::Write(uint32_t x) { archive_(x); }
void BodyWriter::Write(uint64_t x) { archive_(x); }
void BodyWriter::Write(DType x) { archive_(static_cast<uint8_t>(x)); }
void BodyWriter::Write(QueueKind x) { archive_(static_cast<uint8_t>(x)); }
void BodyWriter::Write(Durability x) { archive_(static_cast<uint8_t>(x)); }
void BodyWriter::Write(const std::string& x) { archive_(x); }

void BodyWriter::Write(const std::vector<int64_t>& x) {
  archive_(static_cast<uint64_t>(x.size()));
  archive_(cereal::binary_data(x.data(), x.size() * sizeof(int64_t)));
}

void BodyWriter::Write(const std::vector<uint64_t>& x) {
  archive_(static_cast<uint64_t>(x.size()));
  archive_(cereal::binary_data(x.data(), x.size() * sizeof(uint64_t)));
}

template <class T>
void BodyWriter::WriteEach(const std::vector<T>& xs) {
  archive_(static_cast<uint64_t>(xs.size()));
  for (const T& x : xs) Write(x);
}

void BodyWriter::Write(const std::vector<std::string>& x) { WriteEach(x); }
void BodyWriter::Write(const std::vector<DType>& x) { WriteEach(x); }
void BodyWriter::Write(const std::vector<PartialShape>& x) { WriteEach(x); }
void BodyWriter::Write(const Tuple& x) { WriteEach(x); }
void BodyWriter::Write(const std::vector<Tuple>& x) { WriteEach(x); }
void BodyWriter::Write(const std::vector<ResourceInfo>& x) { WriteEach(x); }

void BodyWriter::Write(const absl::Status& x) {
  archive_(static_cast<uint8_t>(x.code()));
  archive_(std::string(x.message()));
}

void BodyWriter::Write(const Tensor& x) {
  Write(x.dtype());
  Write(x.shape());
  if (x.dtype() == DType::kString) {
    Write(static_cast<uint32_t>(segments_.spans().size()));
    segments_.AddStringLengths(x);
  }
  Write(static_cast<uint32_t>(segments_.spans().size()));
  segments_.AddTensorBytes(x);
}

// inspect() takes mutable references; these writers only read them.
void BodyWriter::Write(const PartialShape& x) {
  inspect(*this, const_cast<PartialShape&>(x));
}
void BodyWriter::Write(const QueueSpec& x) {
  inspect(*this, const_cast<QueueSpec&>(x));
}
void BodyWriter::Write(const VariableSpec& x) {
  inspect(*this, const_cast<VariableSpec&>(x));
}
void BodyWriter::Write(const ResourceInfo& x) {
  inspect(*this, const_cast<ResourceInfo&>(x));
}
void BodyWriter::Write(const TaskStatus& x) {
  inspect(*this, const_cast<TaskStatus&>(x));
}
void BodyWriter::Write(const CheckpointInfo& x) {
  inspect(*this, const_cast<CheckpointInfo&>(x));
}
void BodyWriter::Write(const std::vector<CheckpointInfo>& x) { WriteEach(x); }
void BodyWriter::Write(const ReaderSpec& x) {
  inspect(*this, const_cast<ReaderSpec&>(x));
}
void BodyWriter::Write(const std::vector<std::vector<int64_t>>& x) {
  WriteEach(x);
}
void BodyWriter::Write(const RunnerSource& x) {
  inspect(*this, const_cast<RunnerSource&>(x));
}
void BodyWriter::Write(const std::vector<RunnerSource>& x) { WriteEach(x); }
void BodyWriter::Write(const CsvColumn& x) {
  inspect(*this, const_cast<CsvColumn&>(x));
}
void BodyWriter::Write(const std::vector<CsvColumn>& x) { WriteEach(x); }
void BodyWriter::Write(const RunnerSpec& x) {
  inspect(*this, const_cast<RunnerSpec&>(x));
}
void BodyWriter::Write(const RunnerStatus& x) {
  inspect(*this, const_cast<RunnerStatus&>(x));
}
void BodyWriter::Write(const RunnerCall& x) {
  inspect(*this, const_cast<RunnerCall&>(x));
}

// --- BodyReader ----------------------------------------------------------

BodyReader::BodyReader(absl::Span<const char> body,
                       std::vector<std::vector<char>> segments,
                       std::vector<SharedSlice> shared)
    : source_(body),
      stream_(&source_),
      segments_(std::move(segments)),
      shared_(std::move(shared)),
      named_(segments_.size(), false) {
  if (body.empty()) {
    start_ = absl::InvalidArgumentError(
        "Message body is empty: it lacks even Cereal's endianness tag");
  } else if (body[0] != 0 && body[0] != 1) {
    start_ = absl::InvalidArgumentError(absl::StrCat(
        "Message body starts with ", static_cast<int>(body[0]),
        " where Cereal's endianness tag (1 little-endian, 0 big-endian) goes"));
  } else {
    archive_.emplace(*stream_);
  }
}

template <class T>
absl::Status BodyReader::ReadScalar(T& x) {
  if (source_.remaining() < sizeof(T)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Message body ends inside a field of ", sizeof(T),
                     " bytes (", source_.remaining(), " bytes remain)"));
  }
  (*archive_)(x);
  return absl::OkStatus();
}

absl::Status BodyReader::Read(bool& x) {
  uint8_t byte = 0;
  TROUPE_RETURN_IF_ERROR(ReadScalar(byte));
  if (byte > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Message body holds ", static_cast<int>(byte),
                     " where a bool (0 or 1) goes"));
  }
  x = byte == 1;
  return absl::OkStatus();
}

absl::Status BodyReader::Read(int32_t& x) { return ReadScalar(x); }
absl::Status BodyReader::Read(int64_t& x) { return ReadScalar(x); }
absl::Status BodyReader::Read(uint32_t& x) { return ReadScalar(x); }
absl::Status BodyReader::Read(uint64_t& x) { return ReadScalar(x); }

absl::Status BodyReader::Read(DType& x) {
  uint8_t byte = 0;
  TROUPE_RETURN_IF_ERROR(ReadScalar(byte));
  if (byte > static_cast<uint8_t>(kLastDType)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Message body holds an unknown dtype ", static_cast<int>(byte)));
  }
  x = static_cast<DType>(byte);
  return absl::OkStatus();
}

absl::Status BodyReader::Read(QueueKind& x) {
  uint8_t byte = 0;
  TROUPE_RETURN_IF_ERROR(ReadScalar(byte));
  if (byte > static_cast<uint8_t>(QueueKind::kPriority)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Message body holds an unknown queue kind ", static_cast<int>(byte)));
  }
  x = static_cast<QueueKind>(byte);
  return absl::OkStatus();
}

absl::Status BodyReader::Read(Durability& x) {
  uint8_t byte = 0;
  TROUPE_RETURN_IF_ERROR(ReadScalar(byte));
  if (byte > static_cast<uint8_t>(Durability::kNo)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Message body holds an unknown durability ", static_cast<int>(byte)));
  }
  x = static_cast<Durability>(byte);
  return absl::OkStatus();
}

absl::Status BodyReader::ReadCount(uint64_t& count, size_t min_wire_bytes,
                                   const char* what) {
  TROUPE_RETURN_IF_ERROR(ReadScalar(count));
  if (count > source_.remaining() / min_wire_bytes) {
    return Truncated(count, what, source_.remaining());
  }
  return absl::OkStatus();
}

absl::Status BodyReader::Read(std::string& x) {
  uint64_t size = 0;
  TROUPE_RETURN_IF_ERROR(ReadCount(size, 1, "string bytes"));
  x.resize(size);
  (*archive_)(cereal::binary_data(x.data(), size));
  return absl::OkStatus();
}

template <class T>
absl::Status BodyReader::ReadBlock(std::vector<T>& xs, const char* what) {
  uint64_t count = 0;
  TROUPE_RETURN_IF_ERROR(ReadCount(count, sizeof(T), what));
  xs.resize(count);
  (*archive_)(cereal::binary_data(xs.data(), count * sizeof(T)));
  return absl::OkStatus();
}

template <class T>
absl::Status BodyReader::ReadEach(std::vector<T>& xs, size_t min_wire_bytes,
                                  const char* what) {
  uint64_t count = 0;
  TROUPE_RETURN_IF_ERROR(ReadCount(count, min_wire_bytes, what));
  xs.clear();
  xs.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    T x;
    TROUPE_RETURN_IF_ERROR(Read(x));
    xs.push_back(std::move(x));
  }
  return absl::OkStatus();
}

absl::Status BodyReader::Read(std::vector<int64_t>& x) {
  return ReadBlock(x, "dimensions");
}
absl::Status BodyReader::Read(std::vector<uint64_t>& x) {
  return ReadBlock(x, "string lengths");
}
absl::Status BodyReader::Read(std::vector<std::string>& x) {
  return ReadEach(x, kStringMinBytes, "strings");
}
absl::Status BodyReader::Read(std::vector<DType>& x) {
  return ReadEach(x, 1, "dtypes");
}
absl::Status BodyReader::Read(std::vector<PartialShape>& x) {
  return ReadEach(x, kPartialShapeMinBytes, "shapes");
}
absl::Status BodyReader::Read(std::vector<Tuple>& x) {
  return ReadEach(x, kTupleMinBytes, "tuples");
}
absl::Status BodyReader::Read(std::vector<ResourceInfo>& x) {
  return ReadEach(x, kResourceInfoMinBytes, "resources");
}

absl::Status BodyReader::Read(Tuple& x) {
  // Each tensor names a segment of its own, so no tuple holds more tensors
  // than the frame has segments left.
  uint64_t count = 0;
  TROUPE_RETURN_IF_ERROR(ReadCount(count, kTensorMinBytes, "tensors"));
  if (count > segments_.size() - named_count_) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Message body announces ", count, " tensors, but the frame has only ",
        segments_.size() - named_count_, " segments left"));
  }
  x.clear();
  x.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    Tensor tensor;
    TROUPE_RETURN_IF_ERROR(Read(tensor));
    x.push_back(std::move(tensor));
  }
  return absl::OkStatus();
}

absl::Status BodyReader::Read(absl::Status& x) {
  uint8_t code = 0;
  std::string message;
  TROUPE_RETURN_IF_ERROR(ReadScalar(code));
  TROUPE_RETURN_IF_ERROR(Read(message));
  if (code > static_cast<uint8_t>(absl::StatusCode::kUnauthenticated)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Message body holds an unknown status code ", static_cast<int>(code)));
  }
  if (code == 0 && !message.empty()) {
    return absl::InvalidArgumentError(
        "Message body holds an OK status with a message");
  }
  x = absl::Status(static_cast<absl::StatusCode>(code), message);
  return absl::OkStatus();
}

absl::Status BodyReader::Read(Tensor& x) {
  uint8_t dtype_byte = 0;
  Shape shape;
  TROUPE_RETURN_IF_ERROR(ReadScalar(dtype_byte));
  TROUPE_RETURN_IF_ERROR(Read(shape));
  if (dtype_byte == 0 || dtype_byte > static_cast<uint8_t>(kLastDType)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Tensor has an invalid dtype ", static_cast<int>(dtype_byte)));
  }
  auto dtype = static_cast<DType>(dtype_byte);
  TROUPE_ASSIGN_OR_RETURN(int64_t count, NumElements(shape));
  std::vector<char>* lengths = nullptr;
  if (dtype == DType::kString) {
    TROUPE_RETURN_IF_ERROR(TakeSegment(lengths));
  }
  std::vector<char>* bytes = nullptr;
  SharedSlice shared;
  TROUPE_RETURN_IF_ERROR(
      TakeSegment(bytes, dtype == DType::kString ? nullptr : &shared));
  if (dtype == DType::kString) {
    TROUPE_RETURN_IF_ERROR(ReadStrings(shape, count, *lengths, *bytes, x));
  } else if (shared.region) {
    const size_t element_size = DTypeSize(dtype);
    if (shared.length % element_size != 0 ||
        shared.length / element_size != static_cast<uint64_t>(count) ||
        shared.offset % element_size != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          DTypeName(dtype), " tensor of shape ", ShapeToString(shape),
          " has a segment in shared memory of ", shared.length,
          " bytes at offset ", shared.offset, ", expected ",
          static_cast<uint64_t>(count), " elements of ", element_size,
          " at an offset that is a multiple of ", element_size));
    }
    x = Tensor::FromShared(dtype, std::move(shape), std::move(shared));
  } else {
    size_t element_size = DTypeSize(dtype);
    if (bytes->size() % element_size != 0 ||
        bytes->size() / element_size != static_cast<uint64_t>(count)) {
      return absl::InvalidArgumentError(absl::StrCat(
          DTypeName(dtype), " tensor of shape ", ShapeToString(shape),
          " has a segment of ", bytes->size(), " bytes, expected ",
          static_cast<uint64_t>(count), " elements of ", element_size));
    }
    x = Tensor::FromBytes(dtype, std::move(shape), std::move(*bytes));
  }
  return x.CheckValid();
}

absl::Status BodyReader::TakeSegment(std::vector<char>*& segment,
                                     SharedSlice* shared) {
  uint32_t index = 0;
  TROUPE_RETURN_IF_ERROR(ReadScalar(index));
  if (index >= segments_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Tensor names segment ", index, ", but the frame has ",
                     segments_.size(), " segments"));
  }
  if (named_[index]) {
    return absl::InvalidArgumentError(
        absl::StrCat("Segment ", index, " is named by two tensors"));
  }
  named_[index] = true;
  ++named_count_;
  segment = &segments_[index];
  if (index < shared_.size() && shared_[index].region) {
    const SharedSlice& slice = shared_[index];
    if (shared != nullptr) {
      *shared = slice;
    } else {
      segment->assign(slice.region->data() + slice.offset,
                      slice.region->data() + slice.offset + slice.length);
    }
  }
  return absl::OkStatus();
}

absl::Status BodyReader::ReadStrings(const Shape& shape, int64_t count,
                                     std::vector<char>& length_bytes,
                                     std::vector<char>& bytes, Tensor& x) {
  if (length_bytes.size() % sizeof(uint64_t) != 0 ||
      length_bytes.size() / sizeof(uint64_t) != static_cast<uint64_t>(count)) {
    return absl::InvalidArgumentError(
        absl::StrCat("String tensor of shape ", ShapeToString(shape), " has ",
                     length_bytes.size(), " bytes of string lengths, expected ",
                     count, " of 8"));
  }
  std::vector<uint64_t> lengths(static_cast<size_t>(count));
  for (size_t i = 0; i < lengths.size(); ++i) {
    lengths[i] =
        GetLittle<uint64_t>(length_bytes.data() + i * sizeof(uint64_t));
  }
  std::vector<char>().swap(length_bytes);
  auto strings = StringList::FromBytes(
      std::move(bytes), std::move(lengths),
      absl::StrCat("String tensor of shape ", ShapeToString(shape)));
  if (!strings.ok()) return strings.status();
  x = Tensor::FromStrings(shape, *std::move(strings));
  return absl::OkStatus();
}

absl::Status BodyReader::Read(PartialShape& x) {
  TROUPE_RETURN_IF_ERROR(inspect(*this, x));
  return ValidatePartialShape(x);
}
absl::Status BodyReader::Read(QueueSpec& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(VariableSpec& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(ResourceInfo& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(TaskStatus& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(CheckpointInfo& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(ReaderSpec& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(std::vector<CheckpointInfo>& x) {
  return ReadEach(x, kCheckpointInfoMinBytes, "checkpoints");
}
absl::Status BodyReader::Read(std::vector<std::vector<int64_t>>& x) {
  return ReadEach(x, kInt64sMinBytes, "lists of integers");
}
absl::Status BodyReader::Read(RunnerSource& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(std::vector<RunnerSource>& x) {
  return ReadEach(x, kRunnerSourceMinBytes, "runner sources");
}
absl::Status BodyReader::Read(CsvColumn& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(std::vector<CsvColumn>& x) {
  return ReadEach(x, kCsvColumnMinBytes, "CSV columns");
}
absl::Status BodyReader::Read(RunnerSpec& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(RunnerStatus& x) { return inspect(*this, x); }
absl::Status BodyReader::Read(RunnerCall& x) { return inspect(*this, x); }

absl::Status BodyReader::Finish() const {
  TROUPE_RETURN_IF_ERROR(start_);
  if (source_.remaining() != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Message body has ", source_.remaining(),
                     " bytes after its last field"));
  }
  if (named_count_ != segments_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("Frame has ", segments_.size() - named_count_,
                     " segments that no tensor names"));
  }
  return absl::OkStatus();
}

}  // namespace troupe
