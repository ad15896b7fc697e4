// Message bodies: a Cereal portable binary archive written and read field by
// field, every container size checked against the bytes left before resizing.
//
// Little-endian on the wire (a big-endian host swaps). Tensors become (dtype,
// shape, segment index); their bytes travel as frame segments. Encodings:
//   body start      1 byte: Cereal's endianness tag, 1 (little-endian)
//   bool            1 byte, 0 or 1
//   integers        their width; enums (DType, QueueKind, Durability) 1 byte
//   std::string     u64 length, then the bytes (Cereal's std::string)
//   std::vector<T>  u64 count, then each element (Cereal's std::vector)
//   absl::Status    u8 canonical code, then the message (empty when OK)
//   Tensor          u8 dtype, shape (vector<i64>), u32 segment index; for a
//                   string tensor then vector<u64> of the string lengths, its
//                   segment holding the strings back to back
//   structs         their fields in the order of their inspect() function
// Every segment of a frame is named by exactly one tensor of its body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

#include "cereal/archives/portable_binary.hpp"
#include "serialization/checkpoint_info.h"
#include "serialization/dtype.h"
#include "serialization/lent_stream.h"
#include "serialization/queue_spec.h"
#include "serialization/reader_spec.h"
#include "serialization/resource_info.h"
#include "serialization/runner_spec.h"
#include "serialization/shape.h"
#include "serialization/task_status.h"
#include "serialization/tensor.h"
#include "serialization/variable_spec.h"
#include "serialization/wire_encoder.h"

namespace troupe {

namespace wire_internal {

// A std::streambuf appending to a vector.
class VectorSink : public std::streambuf {
 public:
  explicit VectorSink(std::vector<char>& out) : out_(out) {}

 protected:
  std::streamsize xsputn(const char* data, std::streamsize n) override;
  int_type overflow(int_type c) override;

 private:
  std::vector<char>& out_;
};

// A std::streambuf reading a span, which knows how many bytes are left.
class SpanSource : public std::streambuf {
 public:
  explicit SpanSource(absl::Span<const char> bytes);
  size_t remaining() const { return static_cast<size_t>(egptr() - gptr()); }
};

}  // namespace wire_internal

// Writes one message body; the inspect() functions of the message types
// drive it: inspect(writer, message).
class BodyWriter {
 public:
  using result_type = void;

  BodyWriter();
  BodyWriter(const BodyWriter&) = delete;
  BodyWriter& operator=(const BodyWriter&) = delete;

  // Writes each field; never fails (the frame's limits are checked when it
  // is encoded). Takes const fields, though inspect() hands out mutable ones.
  template <class... Ts>
  void operator()(const Ts&... fields) {
    (Write(fields), ...);
  }

  const std::vector<char>& body() const { return body_; }
  // The segments the tensors written so far lend their bytes to.
  OutgoingSegments TakeSegments() { return std::move(segments_); }

 private:
  void Write(bool x);
  void Write(int32_t x);
  void Write(int64_t x);
  void Write(uint32_t x);
  void Write(uint64_t x);
  void Write(DType x);
  void Write(QueueKind x);
  void Write(Durability x);
  void Write(const std::string& x);
  void Write(const std::vector<int64_t>& x);
  void Write(const std::vector<uint64_t>& x);
  void Write(const std::vector<std::string>& x);
  void Write(const std::vector<DType>& x);
  void Write(const std::vector<PartialShape>& x);
  void Write(const Tuple& x);
  void Write(const std::vector<Tuple>& x);
  void Write(const std::vector<ResourceInfo>& x);
  void Write(const absl::Status& x);
  void Write(const Tensor& x);
  void Write(const PartialShape& x);
  void Write(const QueueSpec& x);
  void Write(const VariableSpec& x);
  void Write(const ResourceInfo& x);
  void Write(const TaskStatus& x);
  void Write(const CheckpointInfo& x);
  void Write(const ReaderSpec& x);
  void Write(const std::vector<CheckpointInfo>& x);
  void Write(const std::vector<std::vector<int64_t>>& x);
  void Write(const RunnerSource& x);
  void Write(const std::vector<RunnerSource>& x);
  void Write(const CsvColumn& x);
  void Write(const std::vector<CsvColumn>& x);
  void Write(const RunnerSpec& x);
  void Write(const RunnerStatus& x);
  void Write(const RunnerCall& x);
  template <class T>
  void WriteEach(const std::vector<T>& xs);

  std::vector<char> body_;
  wire_internal::VectorSink sink_;
  wire_internal::LentStream<std::ostream> stream_;
  cereal::PortableBinaryOutputArchive archive_;
  OutgoingSegments segments_;
};

// Reads one message body against its frame's segments; the inspect()
// functions of the message types drive it: inspect(reader, message), then
// Finish(). Every error is INVALID_ARGUMENT naming what did not fit.
class BodyReader {
 public:
  using result_type = absl::Status;

  // `body` must outlive the reader; tensors read take their segment's bytes.
  // `shared` is empty or one per segment (Frame::shared): a numeric tensor
  // takes a segment in shared memory as it is.
  BodyReader(absl::Span<const char> body,
             std::vector<std::vector<char>> segments,
             std::vector<SharedSlice> shared = {});
  BodyReader(const BodyReader&) = delete;
  BodyReader& operator=(const BodyReader&) = delete;

  // Reads each field in turn, stopping at the first error.
  template <class... Ts>
  absl::Status operator()(Ts&... fields) {
    absl::Status status = start_;
    (void)((status.ok() && (status = Read(fields), status.ok())) && ...);
    return status;
  }

  // OK when the body was read to its end and every segment was named.
  absl::Status Finish() const;

 private:
  absl::Status Read(bool& x);
  absl::Status Read(int32_t& x);
  absl::Status Read(int64_t& x);
  absl::Status Read(uint32_t& x);
  absl::Status Read(uint64_t& x);
  absl::Status Read(DType& x);
  absl::Status Read(QueueKind& x);
  absl::Status Read(Durability& x);
  absl::Status Read(std::string& x);
  absl::Status Read(std::vector<int64_t>& x);
  absl::Status Read(std::vector<uint64_t>& x);
  absl::Status Read(std::vector<std::string>& x);
  absl::Status Read(std::vector<DType>& x);
  absl::Status Read(std::vector<PartialShape>& x);
  absl::Status Read(Tuple& x);
  absl::Status Read(std::vector<Tuple>& x);
  absl::Status Read(std::vector<ResourceInfo>& x);
  absl::Status Read(absl::Status& x);
  absl::Status Read(Tensor& x);
  absl::Status Read(PartialShape& x);
  absl::Status Read(QueueSpec& x);
  absl::Status Read(VariableSpec& x);
  absl::Status Read(ResourceInfo& x);
  absl::Status Read(TaskStatus& x);
  absl::Status Read(CheckpointInfo& x);
  absl::Status Read(ReaderSpec& x);
  absl::Status Read(std::vector<CheckpointInfo>& x);
  absl::Status Read(std::vector<std::vector<int64_t>>& x);
  absl::Status Read(RunnerSource& x);
  absl::Status Read(std::vector<RunnerSource>& x);
  absl::Status Read(CsvColumn& x);
  absl::Status Read(std::vector<CsvColumn>& x);
  absl::Status Read(RunnerSpec& x);
  absl::Status Read(RunnerStatus& x);
  absl::Status Read(RunnerCall& x);

  template <class T>
  absl::Status ReadScalar(T& x);
  template <class T>
  absl::Status ReadBlock(std::vector<T>& xs, const char* what);
  template <class T>
  absl::Status ReadEach(std::vector<T>& xs, size_t min_wire_bytes,
                        const char* what);
  absl::Status ReadCount(uint64_t& count, size_t min_wire_bytes,
                         const char* what);
  // Reads a segment index and takes that segment, unless it is missing or
  // taken already. A segment in shared memory goes to `*shared` when given,
  // else it is copied into `segment`.
  absl::Status TakeSegment(std::vector<char>*& segment,
                           SharedSlice* shared = nullptr);
  absl::Status ReadStrings(const Shape& shape, int64_t count,
                           std::vector<char>& length_bytes,
                           std::vector<char>& bytes, Tensor& x);

  wire_internal::SpanSource source_;
  wire_internal::LentStream<std::istream> stream_;
  std::optional<cereal::PortableBinaryInputArchive> archive_;
  absl::Status start_;
  std::vector<std::vector<char>> segments_;
  std::vector<SharedSlice> shared_;
  std::vector<bool> named_;
  size_t named_count_ = 0;
};

}  // namespace troupe
