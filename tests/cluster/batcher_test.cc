// Process-level tests of the producers (cluster/input_producer.h) and the
// batchers (cluster/batcher.h) on a real task, ported from TensorFlow's
// input_test.py: slice and tensor producers with their epochs and shuffles,
// batch, batch_join, shuffle_batch and shuffle_batch_join sizes, the final
// smaller batch, dynamic_pad, and the validation errors.
//
// Test names start with "cluster:" so that `ctest -R cluster` selects them.
#include "cluster/batcher.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"
#include "nlohmann/json.hpp"

#include "cluster/input_producer.h"
#include "cluster/queue.h"
#include "cluster/runner_sources.h"
#include "cluster/session.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using nlohmann::json;
using testing::CtlFails;
using testing::CtlJson;
using testing::CtlLine;
using testing::LocalCluster;

// Every call waits at most this long: a test never hangs.
const absl::Duration kWait = absl::Seconds(20);

std::vector<int32_t> Ints(const Tensor& tensor) {
  absl::Span<const int32_t> flat = tensor.flat<int32_t>();
  return std::vector<int32_t>(flat.begin(), flat.end());
}

std::vector<int32_t> Iota(int32_t begin, int32_t end) {
  std::vector<int32_t> values;
  for (int32_t i = begin; i < end; ++i) values.push_back(i);
  return values;
}

std::vector<int32_t> Sorted(std::vector<int32_t> values) {
  std::sort(values.begin(), values.end());
  return values;
}

// Takes batches until the batcher fails: their sizes and every int32 value
// of component 0, then the error that ended it.
struct Drained {
  std::vector<int64_t> sizes;
  std::vector<int32_t> values;
  absl::Status end;
};

Drained Drain(Batcher& batcher) {
  Drained drained;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<Tuple> batch = batcher.NextBatch(kWait);
    if (!batch.ok()) {
      drained.end = batch.status();
      break;
    }
    drained.sizes.push_back((*batch)[0].shape()[0]);
    for (int32_t value : Ints((*batch)[0])) drained.values.push_back(value);
  }
  return drained;
}

void CheckEndOfData(const absl::Status& status) {
  CHECK_MESSAGE(absl::IsOutOfRange(status), status.ToString());
  CHECK_MESSAGE(absl::StrContains(status.message(),
                                  "is closed and has insufficient elements"),
                status.ToString());
}

ProducerOptions Epochs(int64_t num_epochs, bool shuffle) {
  ProducerOptions options;
  options.num_epochs = num_epochs;
  options.shuffle = shuffle;
  return options;
}

BatchOptions Batches(int32_t batch_size, bool smaller_final_batch) {
  BatchOptions options;
  options.batch_size = batch_size;
  options.allow_smaller_final_batch = smaller_final_batch;
  return options;
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: slice_input_producer yields aligned rows, epoch after epoch, "
      "then ends") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    auto producer =
        SliceInputProducer(session,
                           {Tensor::FromVector<int32_t>({4}, {1, 2, 3, 4}),
                            Tensor::FromStrings({4, 1}, {"a", "b", "c", "d"})},
                           Epochs(2, false));
    REQUIRE_MESSAGE(producer.ok(), producer.status().ToString());
    const std::vector<std::string> letters = {"a", "b", "c", "d"};
    for (int epoch = 0; epoch < 2; ++epoch) {
      for (int32_t i = 0; i < 4; ++i) {
        absl::StatusOr<Tuple> element = (*producer)->dequeue(kWait);
        REQUIRE_MESSAGE(element.ok(), element.status().ToString());
        CHECK(Ints((*element)[0]) == std::vector<int32_t>{i + 1});
        CHECK((*element)[1].shape() == Shape{1});
        CHECK((*element)[1].strings()[0] == letters[static_cast<size_t>(i)]);
      }
    }
    absl::StatusOr<Tuple> end = (*producer)->dequeue(kWait);
    CHECK(absl::IsOutOfRange(end.status()));
    absl::StatusOr<RunnerStatus> joined = (*producer)->runner().join(kWait);
    REQUIRE(joined.ok());
    CHECK(joined->state == "finished");
    CHECK(joined->steps == 2);
  }

  TEST_CASE(
      "cluster: slice_input_producer shuffles each epoch on its own and keeps "
      "the components of a row together") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    ProducerOptions options = Epochs(3, true);
    options.seed = 7;
    const std::vector<int32_t> values = Iota(0, 10);
    std::vector<int32_t> doubled;
    for (int32_t value : values) doubled.push_back(2 * value);
    auto producer =
        SliceInputProducer(session,
                           {Tensor::FromVector<int32_t>({10}, values),
                            Tensor::FromVector<int32_t>({10}, doubled)},
                           options);
    REQUIRE_MESSAGE(producer.ok(), producer.status().ToString());
    std::vector<int32_t> all;
    for (int i = 0; i < 30; ++i) {
      absl::StatusOr<Tuple> element = (*producer)->dequeue(kWait);
      REQUIRE_MESSAGE(element.ok(), element.status().ToString());
      const int32_t value = Ints((*element)[0])[0];
      CHECK(Ints((*element)[1])[0] == 2 * value);
      all.push_back(value);
    }
    // Each epoch is a permutation of the rows: epochs never mix.
    for (size_t epoch = 0; epoch < 3; ++epoch) {
      CHECK(Sorted(std::vector<int32_t>(all.begin() + epoch * 10,
                                        all.begin() + epoch * 10 + 10)) ==
            values);
    }
    CHECK(std::vector<int32_t>(all.begin(), all.begin() + 10) !=
          std::vector<int32_t>(all.begin() + 10, all.begin() + 20));
    CHECK(absl::IsOutOfRange((*producer)->dequeue(kWait).status()));
  }

  TEST_CASE("cluster: input_producer yields the rows of one tensor") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    auto producer = InputProducer(
        session, Tensor::FromVector<float>({3, 2}, {1, 2, 3, 4, 5, 6}),
        Epochs(1, false));
    REQUIRE_MESSAGE(producer.ok(), producer.status().ToString());
    CHECK((*producer)->queue().spec().shapes ==
          std::vector<PartialShape>{PartialShape{2}});
    for (float first : {1.0F, 3.0F, 5.0F}) {
      absl::StatusOr<Tuple> row = (*producer)->dequeue(kWait);
      REQUIRE_MESSAGE(row.ok(), row.status().ToString());
      CHECK((*row)[0] == Tensor::FromVector<float>({2}, {first, first + 1}));
    }
    CHECK(absl::IsOutOfRange((*producer)->dequeue(kWait).status()));
  }

  TEST_CASE("cluster: producers refuse what TensorFlow refuses") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    CHECK(SliceInputProducer(session, {}).status() ==
          absl::InvalidArgumentError(
              "Expected at least one tensor in slice_input_producer()."));
    CHECK(SliceInputProducer(session,
                             {Tensor::FromVector<int32_t>({3}, {1, 2, 3}),
                              Tensor::FromVector<int32_t>({2}, {1, 2})})
              .status() ==
          absl::InvalidArgumentError(
              "slice_input_producer: every tensor needs the same first "
              "dimension: tensor 0 has 3 rows, tensor 1 has 2"));
    CHECK(StringInputProducer(session, {}).status() ==
          absl::InvalidArgumentError(
              "string_input_producer requires a non-null input tensor"));
    CHECK(
        InputProducer(session, Tensor::FromVector<int32_t>({0}, {})).status() ==
        absl::InvalidArgumentError("input_producer requires a non-null input "
                                   "tensor"));
    CHECK(absl::StrContains(
        InputProducer(session, Tensor::Scalar<int32_t>(1)).status().message(),
        "is a scalar"));
    CHECK(RangeInputProducer(session, 3, Epochs(-1, true)).status() ==
          absl::InvalidArgumentError("num_epochs must be > 0 not -1"));
    // Nothing refused left a queue behind.
    absl::StatusOr<std::vector<ResourceInfo>> list = session.list();
    REQUIRE(list.ok());
    CHECK(list->empty());
  }

  TEST_CASE(
      "cluster: batch takes full batches and strands the rest, or gives it "
      "as a smaller final batch") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    for (bool smaller : {false, true}) {
      CAPTURE(smaller);
      auto producer = RangeInputProducer(session, 35, Epochs(1, false));
      REQUIRE(producer.ok());
      auto batcher = Batch(session, BatchInput((*producer)->source()),
                           Batches(10, smaller));
      REQUIRE_MESSAGE(batcher.ok(), batcher.status().ToString());
      CHECK((*batcher)->queue().spec().kind == QueueKind::kFifo);
      Drained drained = Drain(**batcher);
      CheckEndOfData(drained.end);
      if (smaller) {
        // TensorFlow's testOneThreadSmallerBatch: 35 -> 10, 10, 10, 5.
        CHECK(drained.sizes == std::vector<int64_t>{10, 10, 10, 5});
        CHECK(drained.values == Iota(0, 35));
      } else {
        CHECK(drained.sizes == std::vector<int64_t>{10, 10, 10});
        CHECK(drained.values == Iota(0, 30));
      }
      absl::StatusOr<RunnerStatus> joined = (*batcher)->runner().join(kWait);
      REQUIRE(joined.ok());
      CHECK(joined->state == "finished");
    }
  }

  TEST_CASE(
      "cluster: batch with four threads and enqueue_many delivers every "
      "element once") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    QueueOptions pairs_options;
    pairs_options.capacity = 50;
    pairs_options.dtypes = {DType::kInt32};
    pairs_options.shapes = {PartialShape{2}};
    pairs_options.shared_name = "pairs";
    FIFOQueue pairs(session, pairs_options);
    for (int32_t i = 0; i < 20; ++i) {
      REQUIRE(
          pairs.enqueue({Tensor::FromVector<int32_t>({2}, {2 * i, 2 * i + 1})})
              .ok());
    }
    REQUIRE(pairs.close().ok());
    BatchOptions options = Batches(8, true);
    options.num_threads = 4;
    options.enqueue_many = true;
    options.shared_name = "batches";
    auto batcher = Batch(session, BatchInput(DequeueSource("pairs")), options);
    REQUIRE_MESSAGE(batcher.ok(), batcher.status().ToString());
    CHECK((*batcher)->name() == "batches");
    CHECK((*batcher)->queue().spec().shapes ==
          std::vector<PartialShape>{PartialShape()});
    Drained drained = Drain(**batcher);
    CheckEndOfData(drained.end);
    CHECK(drained.sizes == std::vector<int64_t>{8, 8, 8, 8, 8});
    CHECK(Sorted(drained.values) == Iota(0, 40));
  }

  TEST_CASE(
      "cluster: batch_join closes its queue only when every source ended") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    // TensorFlow's testTwoThreadsSmallerBatch: 72 + 92 -> 32 x 5, then 4.
    auto first = RangeInputProducer(session, 72, Epochs(1, false));
    auto second = InputProducer(
        session, Tensor::FromVector<int32_t>({92}, Iota(100, 192)),
        Epochs(1, false));
    REQUIRE(first.ok());
    REQUIRE(second.ok());
    RunnerSpec input;
    input.sources = {(*first)->source(), (*second)->source()};
    auto batcher = BatchJoin(session, input, Batches(32, true));
    REQUIRE_MESSAGE(batcher.ok(), batcher.status().ToString());
    Drained drained = Drain(**batcher);
    CheckEndOfData(drained.end);
    CHECK(drained.sizes == std::vector<int64_t>{32, 32, 32, 32, 32, 4});
    std::vector<int32_t> expected = Iota(0, 72);
    for (int32_t value : Iota(100, 192)) expected.push_back(value);
    CHECK(Sorted(drained.values) == expected);
  }

  TEST_CASE(
      "cluster: shuffle_batch and shuffle_batch_join shuffle, then drain "
      "once their input ended") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    BatchOptions options = Batches(10, true);
    options.capacity = 20;
    options.min_after_dequeue = 10;
    options.seed = 3;
    auto producer = RangeInputProducer(session, 45, Epochs(1, false));
    REQUIRE(producer.ok());
    auto shuffled =
        ShuffleBatch(session, BatchInput((*producer)->source()), options);
    REQUIRE_MESSAGE(shuffled.ok(), shuffled.status().ToString());
    CHECK((*shuffled)->queue().spec().kind == QueueKind::kRandomShuffle);
    Drained drained = Drain(**shuffled);
    CheckEndOfData(drained.end);
    CHECK(drained.sizes == std::vector<int64_t>{10, 10, 10, 10, 5});
    CHECK(Sorted(drained.values) == Iota(0, 45));
    CHECK(drained.values != Iota(0, 45));

    auto a = RangeInputProducer(session, 30, Epochs(1, false));
    auto b =
        InputProducer(session, Tensor::FromVector<int32_t>({30}, Iota(30, 60)),
                      Epochs(1, false));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    RunnerSpec input;
    input.sources = {(*a)->source(), (*b)->source()};
    options.allow_smaller_final_batch = false;
    auto joined = ShuffleBatchJoin(session, input, options);
    REQUIRE_MESSAGE(joined.ok(), joined.status().ToString());
    drained = Drain(**joined);
    CheckEndOfData(drained.end);
    CHECK(drained.sizes == std::vector<int64_t>{10, 10, 10, 10, 10, 10});
    CHECK(Sorted(drained.values) == Iota(0, 60));
  }

  TEST_CASE("cluster: batch with dynamic_pad pads each batch to its longest") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    // TensorFlow's testOneThreadDynamicPad: element i is i copies of i.
    QueueOptions ragged_options;
    ragged_options.capacity = 10;
    ragged_options.dtypes = {DType::kInt32};
    ragged_options.shapes = {PartialShape{PartialShape::kUnknownDim}};
    ragged_options.shared_name = "ragged";
    PaddingFIFOQueue ragged(session, ragged_options);
    for (int32_t i = 0; i < 5; ++i) {
      REQUIRE(ragged
                  .enqueue({Tensor::FromVector<int32_t>(
                      {i}, std::vector<int32_t>(static_cast<size_t>(i), i))})
                  .ok());
    }
    REQUIRE(ragged.close().ok());
    BatchOptions options = Batches(3, true);
    options.dynamic_pad = true;
    auto batcher = Batch(session, BatchInput(DequeueSource("ragged")), options);
    REQUIRE_MESSAGE(batcher.ok(), batcher.status().ToString());
    CHECK((*batcher)->queue().spec().kind == QueueKind::kPaddingFifo);
    absl::StatusOr<Tuple> batch = (*batcher)->NextBatch(kWait);
    REQUIRE_MESSAGE(batch.ok(), batch.status().ToString());
    CHECK((*batch)[0] ==
          Tensor::FromVector<int32_t>({3, 2}, {0, 0, 1, 0, 2, 2}));
    batch = (*batcher)->NextBatch(kWait);
    REQUIRE_MESSAGE(batch.ok(), batch.status().ToString());
    CHECK((*batch)[0] ==
          Tensor::FromVector<int32_t>({2, 4}, {3, 3, 3, 0, 4, 4, 4, 4}));
    CheckEndOfData((*batcher)->NextBatch(kWait).status());
  }

  TEST_CASE(
      "cluster: batch infers a reader's decoded columns and gives the book's "
      "instances") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    std::ofstream(cluster.data_dir() + "/my_test.csv")
        << "x1, x2 , target\n1.,, 0\n4., 5. , 1\n7., 8. , 0\n";
    auto files =
        StringInputProducer(session, {"my_test.csv"}, Epochs(1, false));
    REQUIRE(files.ok());
    RunnerSpec input;
    RunnerSource source;
    source.kind = RunnerSource::kReader;
    source.inline_reader = true;
    source.reader_spec.type = "text_line";
    source.reader_spec.skip_header_lines = 1;
    source.queue = (*files)->name();
    input.sources = {source};
    input.csv_columns = {{DType::kFloat32, false, "-1"},
                         {DType::kFloat32, false, "-1"},
                         {DType::kInt32, false, "-1"}};
    input.components = {{0, 1}, {2}};
    auto batcher = Batch(session, input, Batches(2, true));
    REQUIRE_MESSAGE(batcher.ok(), batcher.status().ToString());
    CHECK((*batcher)->queue().spec().shapes ==
          std::vector<PartialShape>{PartialShape{2}, PartialShape()});
    absl::StatusOr<Tuple> batch = (*batcher)->NextBatch(kWait);
    REQUIRE_MESSAGE(batch.ok(), batch.status().ToString());
    CHECK((*batch)[0] == Tensor::FromVector<float>({2, 2}, {1, -1, 4, 5}));
    CHECK(Ints((*batch)[1]) == std::vector<int32_t>{0, 1});
    batch = (*batcher)->NextBatch(kWait);
    REQUIRE_MESSAGE(batch.ok(), batch.status().ToString());
    CHECK((*batch)[0] == Tensor::FromVector<float>({1, 2}, {7, 8}));
    CheckEndOfData((*batcher)->NextBatch(kWait).status());
  }

  TEST_CASE("cluster: batchers refuse what TensorFlow refuses") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    Session session(cluster.target());
    auto producer = RangeInputProducer(session, 5);
    REQUIRE(producer.ok());
    const RunnerSpec input = BatchInput((*producer)->source());
    CHECK(
        Batch(session, RunnerSpec{}, Batches(2, false)).status() ==
        absl::InvalidArgumentError("Expected at least one tensor in batch()."));
    CHECK(BatchJoin(session, RunnerSpec{}, Batches(2, false)).status() ==
          absl::InvalidArgumentError(
              "Expected at least one input in batch_join()."));
    CHECK(Batch(session, input, Batches(0, false)).status() ==
          absl::InvalidArgumentError("batch_size must be > 0, not 0"));
    BatchOptions options = Batches(2, false);
    options.capacity = 10;
    options.min_after_dequeue = 10;
    CHECK(ShuffleBatch(session, input, options).status() ==
          absl::InvalidArgumentError(
              "capacity 10 must be bigger than min_after_dequeue 10."));
    options.min_after_dequeue = 0;
    options.dynamic_pad = true;
    CHECK(absl::StrContains(
        ShuffleBatch(session, input, options).status().message(),
        "dynamic_pad is not supported by shuffle_batch()"));
    auto strings = StringInputProducer(session, {"a"});
    REQUIRE(strings.ok());
    RunnerSpec mixed;
    mixed.sources = {(*producer)->source(), (*strings)->source()};
    CHECK(BatchJoin(session, mixed, Batches(2, false)).status() ==
          absl::InvalidArgumentError(
              "Expected types to be consistent: int32 vs. string."));
    CHECK(absl::IsNotFound(
        Batch(session, BatchInput(DequeueSource("nowhere")), Batches(2, false))
            .status()));
  }

  TEST_CASE("cluster: ctl runner-start takes slices and tensor producers") {
    LocalCluster cluster;
    REQUIRE_CLUSTER(cluster);
    const std::string target = cluster.target();
    CtlLine(target, {"queue-create", "rows", "--capacity", "10", "--dtypes",
                     "int32,string", "--shapes", "[[],[]]"});
    CtlLine(target, {"runner-start", "slices",
                     R"({"target": "rows", "num_epochs": 1, "shuffle": false,
                         "source": {"slices": [[1, 2], ["a", "b"]],
                                    "dtypes": ["int32", "string"]}})"});
    CtlLine(target, {"runner-join", "slices", "--timeout", "20s"});
    CHECK(CtlJson(target, {"dequeue-up-to", "rows", "5"}) ==
          json::parse(R"([[1, 2], ["a", "b"]])"));
    CtlLine(target, {"queue-create", "pairs", "--capacity", "10", "--dtypes",
                     "float32", "--shapes", "[[2]]"});
    CtlLine(target, {"runner-start", "tensor",
                     R"({"target": "pairs", "num_epochs": 2, "shuffle": false,
                         "source": {"tensor": [[1, 2], [3, 4]],
                                    "dtype": "float32"}})"});
    CtlLine(target, {"runner-join", "tensor", "--timeout", "20s"});
    CHECK(CtlJson(target, {"dequeue-up-to", "pairs", "5"}) ==
          json::parse("[[[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [3.0, 4.0]]]"));
    CtlFails(target,
             {"runner-start", "r",
              R"({"target": "rows", "source": {"slices": [],
                                              "dtypes": []}})"},
             "INVALID_ARGUMENT",
             "Expected at least one tensor in slice_input_producer().");
    CtlFails(target,
             {"runner-start", "r",
              R"({"target": "rows", "source": {"tensor": [1, 2]}})"},
             "INVALID_ARGUMENT", "\"tensor\" needs one dtype per tensor");
  }
}

}  // namespace
}  // namespace troupe
