#include "tests/serialization/wire_samples.h"

#include <string>

namespace troupe {

namespace {

QueueSpec SampleQueueSpec() {
  QueueSpec spec;
  spec.kind = QueueKind::kPaddingFifo;
  spec.capacity = 10;
  spec.dtypes = {DT_FLOAT, DT_STRING};
  spec.shapes = {PartialShape{2}, PartialShape{PartialShape::kUnknownDim, 3}};
  spec.min_after_dequeue = 1;
  spec.seed = 7;
  spec.seed2 = -8;
  return spec;
}

ResourceInfo SampleQueueInfo() {
  ResourceInfo info;
  info.container = "c";
  info.name = "q";
  info.spec = SampleQueueSpec();
  info.size = 3;
  info.closed = true;
  info.waiting_enqueues = 1;
  info.waiting_dequeues = 2;
  info.enqueued_total = 40;
  info.dequeued_total = 37;
  info.bytes_held = 24;
  return info;
}

ResourceInfo SampleVariableInfo() {
  ResourceInfo info;
  info.name = "v";
  info.is_variable = true;
  info.variable = VariableSpec{DT_INT64, {2, 2}};
  info.initialized = true;
  return info;
}

RunnerCall SampleRunnerCall() {
  RunnerSource reader;
  reader.kind = RunnerSource::kReader;
  reader.queue = "files";
  reader.inline_reader = true;
  reader.reader_spec.type = "text_line";
  reader.reader_spec.skip_header_lines = 1;
  reader.up_to = 8;
  RunnerSource strings;
  strings.kind = RunnerSource::kStrings;
  strings.strings = {"a.csv", "b.csv"};
  RunnerSource slices;
  slices.kind = RunnerSource::kSlices;
  slices.tensors = {Tensor::FromVector<int32_t>({2}, {4, 5}),
                    Tensor::FromStrings({2}, {"x", "y"})};
  RunnerCall call;
  call.verb = RunnerCall::kStart;
  call.container = "c";
  call.name = "r";
  call.spec.target = "instances";
  call.spec.coordinator = "coord";
  call.spec.sources = {reader, strings, slices};
  call.spec.num_epochs = 2;
  call.spec.seed = 42;
  call.spec.csv_columns = {CsvColumn{DT_FLOAT, false, "-1"},
                           CsvColumn{DT_INT32, true, ""}};
  call.spec.select_cols = {0, 2};
  call.spec.components = {{0, 1}, {1}};
  call.spec.enqueue_many = true;
  return call;
}

CheckpointInfo SampleCheckpoint() {
  CheckpointInfo info;
  info.prefix = "ckpt/model";
  info.time_unix_ms = 1765000000000;
  info.tensors = 3;
  info.bytes = 4096;
  info.devices = {"/job:ps/task:0", "/job:ps/task:1"};
  info.latest = true;
  return info;
}

ReaderSpec SampleReaderSpec() {
  ReaderSpec spec;
  spec.type = "fixed_length_record";
  spec.record_bytes = 16;
  spec.header_bytes = 4;
  spec.footer_bytes = 2;
  spec.hop_bytes = 8;
  spec.compression = "ZLIB";
  spec.skip_corrupt = true;
  return spec;
}

Tuple SampleTuple() {
  Tensor batch = Tensor::FromVector<int32_t>({3, 2}, {1, 2, 3, 4, 5, 6});
  return {Tensor::FromVector<float>({2}, {1.5f, -2.5f}),
          Tensor::FromStrings({3}, {"", "a", std::string("z\0y", 3)}),
          batch.Slice(1), Tensor::FromVector<double>({0, 4}, {})};
}

}  // namespace

std::vector<Message> SampleMessages() {
  const uint64_t id = 0x0102030405060708;
  Tensor value = Tensor::FromVector<int64_t>({2, 2}, {1, -2, 3, -4});
  std::vector<Tuple> elements = {SampleTuple(), SampleTuple(), Tuple{}};
  return {
      Heartbeat{},
      ErrorReply{absl::NotFoundError("Resource c/q was reset")},
      EnqueueRequest{id, SampleTuple(), 2500},
      EnqueueManyRequest{id, SampleTuple(), kWireNoTimeout},
      DequeueRequest{id, 0},
      DequeueManyRequest{id, 5, 100},
      DequeueUpToRequest{id, 6, -1},
      EnqueueEachRequest{id, elements, 30},
      DequeueSomeRequest{id, 64, 10},
      CloseRequest{id, true, 1},
      SizeRequest{id},
      IsClosedRequest{id},
      DescribeRequest{id},
      QueueRequest{"/job:ps/task:0", "c", "q", SampleQueueSpec()},
      LookupRequest{"/job:ps/task:1", "", "q"},
      ResetRequest{"", {"a", "", "b"}},
      ListRequest{"/job:ps/task:0"},
      VariableRequest{"", "c", "v", VariableSpec{DT_FLOAT, {3}}},
      LookupVariableRequest{"", "c", "v"},
      AssignRequest{id, value, false},
      AssignAddRequest{id, value},
      AssignSubRequest{id, Tensor::FromVector<bool>({2}, {true, false})},
      ReadRequest{id},
      IsInitializedRequest{id},
      ResolveRequest{"/job:worker/task:3"},
      OkReply{},
      TupleReply{SampleTuple()},
      EnqueueEachReply{1, absl::CancelledError("Queue is closed")},
      TuplesReply{elements},
      SizeReply{42},
      BoolReply{true},
      DescribeReply{SampleQueueInfo()},
      QueueReply{id, SampleQueueSpec(), true},
      LookupReply{id, SampleQueueSpec()},
      ListReply{{SampleQueueInfo(), SampleVariableInfo()}},
      VariableReply{id, VariableSpec{DT_STRING, {}}, false},
      LookupVariableReply{id, VariableSpec{DT_UINT16, {0}}},
      TensorReply{Tensor::FromStrings({}, {"scalar"})},
      ResolveReply{"/job:ps/task:1", "127.0.0.1:2223"},
      StatusRequest{},
      StatusReply{TaskStatus{"/job:ps/task:0", 0x1a2b3c4d5e6f7081, 1500, 2,
                             "ckpt/auto-1765000000000", 1765000000000, 64 << 20,
                             3, 4096, 8192, 12, 13}},
      SaveRequest{"", "ckpt/model", {"", "c"}, true},
      SaveReply{"ckpt/model.shard-job-ps-task-0", 3, 4096},
      CommitRequest{"", SampleCheckpoint(), 5, true},
      CommitReply{"ckpt/model"},
      IndexRequest{"", "ckpt/model"},
      CheckpointReply{SampleCheckpoint()},
      RestoreCheckpointRequest{"/job:ps/task:1", "ckpt/model"},
      RestoreCheckpointReply{3},
      CheckpointsRequest{"", "ckpt"},
      CheckpointsReply{{SampleCheckpoint(), CheckpointInfo{}}},
      ReaderRequest{"", "c", "r", SampleReaderSpec()},
      ReaderReply{id, SampleReaderSpec(), true},
      LookupReaderRequest{"/job:ps/task:1", "", "r"},
      LookupReaderReply{id, ReaderSpec{}},
      ReadRecordRequest{id, "files", 1000},
      RecordReply{"data.txt:1", std::string("a\0b", 3)},
      ReadUpToRequest{id, "files", 64, kWireNoTimeout},
      RecordsReply{{"k1", "k2"}, {"v1", ""}},
      ReaderStatsRequest{id},
      ReaderStatsReply{10, 2, 1},
      ResetReaderRequest{id},
      SerializeReaderRequest{id},
      ReaderStateReply{std::string("\x01\x00state", 7)},
      RestoreReaderRequest{id, "state"},
      TfrecordWriteRequest{"", "out.tfrecord", {"one", ""}, "GZIP"},
      TfrecordWriteReply{42},
      RunnerRequest{"", SampleRunnerCall()},
      RunnerReply{RunnerStatus{"failed", 12, true, 5, "x.csv; No such file"}},
  };
}

std::vector<char> Flatten(const EncodedFrame& frame) {
  std::vector<char> bytes;
  for (absl::Span<const char> span : frame.Spans()) {
    bytes.insert(bytes.end(), span.begin(), span.end());
  }
  return bytes;
}

}  // namespace troupe
