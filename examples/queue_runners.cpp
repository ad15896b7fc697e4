// The chapter's "Readers" and "Queue runners and coordinators" (the book's
// cells 20, 23 and 24, DATA_LOADING.md §6), on a task: my_test.csv must be
// in the task's data directory (scripts/demo writes it there).
//  - cell 20: the client reads each record (TextLineReader on the task),
//    decodes it and enqueues the instance itself, one thread;
//  - cell 23: a QueueRunner on the task, five threads sharing one reader;
//  - cell 24: five threads with a reader each.
// Each prints the minibatches of dequeue_up_to(2), then "No more training
// instances", as the book does (the order within a batch is the shuffle's).
//
//   build/bin/queue_runners [HOST:PORT]
#include <iostream>
#include <sstream>
#include <string>

#include "cluster/queue.h"
#include "cluster/reader.h"
#include "cluster/runner.h"
#include "cluster/session.h"
#include "formats/decode_csv.h"

namespace {

using troupe::Tensor;

const std::vector<Tensor> kDefaults = {Tensor::Scalar<float>(-1),
                                       Tensor::Scalar<float>(-1),
                                       Tensor::Scalar<int32_t>(-1)};

// The book's queues, in a container of their own per cell.
struct BookQueues {
  BookQueues(troupe::Session& session, const std::string& container)
      : filenames(session,
                  {10, {troupe::DT_STRING}, {{}}, "filenames", "", container}),
        instances(session, {10,
                            {troupe::DT_FLOAT, troupe::DT_INT32},
                            {{2}, {}},
                            "instance_q",
                            "",
                            container,
                            /*min_after_dequeue=*/2}) {}
  troupe::FIFOQueue filenames;
  troupe::RandomShuffleQueue instances;
};

std::string Show(const Tensor& tensor) {
  std::ostringstream out;
  out << "[";
  if (tensor.dtype() == troupe::DT_FLOAT) {
    auto values = tensor.flat<float>();
    const size_t row = tensor.shape().size() > 1
                           ? static_cast<size_t>(tensor.shape()[1])
                           : values.size();
    for (size_t i = 0; i < values.size(); ++i) {
      if (i % row == 0)
        out << (i ? "], [" : "[");
      else
        out << ", ";
      out << values[i];
    }
    out << "]";
  } else {
    auto values = tensor.flat<int32_t>();
    for (size_t i = 0; i < values.size(); ++i) {
      out << (i ? ", " : "") << values[i];
    }
  }
  out << "]";
  return out.str();
}

// The book's consumer loop.
void PrintMinibatches(troupe::RandomShuffleQueue& instances) {
  for (;;) {
    absl::StatusOr<troupe::Tuple> batch = instances.dequeue_up_to(2);
    if (!batch.ok()) {
      std::cout << (absl::IsOutOfRange(batch.status())
                        ? std::string("No more training instances")
                        : batch.status().ToString())
                << std::endl;
      return;
    }
    std::cout << Show((*batch)[0]) << " " << Show((*batch)[1]) << std::endl;
  }
}

bool Check(const absl::Status& status, const char* what) {
  if (status.ok()) return true;
  std::cerr << "queue_runners: " << what << ": " << status << "\n";
  return false;
}

// Queues are made at their first call: instance_q too, before a runner
// looks it up.
bool FillFilenames(BookQueues& queues) {
  return Check(queues.instances.size().status(), "create instance_q") &&
         Check(queues.filenames.enqueue(
                   {Tensor::FromStrings({}, {"my_test.csv"})}),
               "enqueue the filename") &&
         Check(queues.filenames.close(), "close the filename queue");
}

// Cell 20: the client reads, decodes and enqueues, one thread.
bool Cell20(troupe::Session& session) {
  BookQueues queues(session, "cell20");
  if (!FillFilenames(queues)) return false;
  troupe::ReaderArgs args;
  args.shared_name = "reader";
  args.container = "cell20";
  args.skip_header_lines = 1;
  troupe::TextLineReader reader(session, args);
  for (;;) {
    absl::StatusOr<troupe::KeyValue> record = reader.read(queues.filenames);
    if (!record.ok()) {
      if (!absl::IsOutOfRange(record.status())) {
        return Check(record.status(), "read");
      }
      std::cout << "No more files to read" << std::endl;
      break;
    }
    absl::StatusOr<std::vector<Tensor>> columns = troupe::DecodeCsv(
        Tensor::FromStrings({}, {record->value}), kDefaults, {});
    if (!Check(columns.status(), "decode_csv")) return false;
    const float x1 = (*columns)[0].flat<float>()[0];
    const float x2 = (*columns)[1].flat<float>()[0];
    if (!Check(queues.instances.enqueue(
                   {Tensor::FromVector<float>({2}, {x1, x2}), (*columns)[2]}),
               "enqueue the instance")) {
      return false;
    }
  }
  if (!Check(queues.instances.close(), "close instance_q")) return false;
  PrintMinibatches(queues.instances);
  return true;
}

// Cells 23 and 24: a QueueRunner of five threads on the task.
bool RunnerCell(troupe::Session& session, const std::string& container,
                bool reader_per_thread) {
  BookQueues queues(session, container);
  if (!FillFilenames(queues)) return false;
  troupe::RunnerSource source;
  source.kind = troupe::RunnerSource::kReader;
  source.queue = "filenames";
  troupe::ReaderSpec text_line;
  text_line.type = "text_line";
  text_line.skip_header_lines = 1;
  if (reader_per_thread) {
    source.inline_reader = true;
    source.reader_spec = text_line;
  } else {
    troupe::ReaderArgs args;
    args.shared_name = "reader";
    args.container = container;
    args.skip_header_lines = 1;
    troupe::TextLineReader shared(session, args);
    if (!Check(shared.num_records_produced().status(), "create the reader")) {
      return false;
    }
    source.reader = "reader";
  }
  troupe::RunnerSpec spec;
  spec.target = "instance_q";
  spec.threads = 5;
  spec.coordinator = "coord";
  spec.sources = {source};
  spec.csv_columns = {{troupe::DT_FLOAT, false, "-1"},
                      {troupe::DT_FLOAT, false, "-1"},
                      {troupe::DT_INT32, false, "-1"}};
  spec.components = {{0, 1}, {2}};
  troupe::QueueRunner runner(session, "queue_runner", spec, "", container);
  if (!Check(runner.start().status(), "start the queue runner")) return false;
  PrintMinibatches(queues.instances);
  // Unlike the book's cells, the pipeline ended by itself: nothing waits.
  troupe::Coordinator coord(session, "coord", "", container);
  absl::StatusOr<troupe::RunnerStatus> ended = coord.join();
  if (!Check(ended.status(), "join the coordinator")) return false;
  return Check(ended->error(), "the queue runner");
}

}  // namespace

int main(int argc, char** argv) {
  troupe::Session session(argc > 1 ? argv[1] : "127.0.0.1:2222");
  std::cout << "== cell 20: one thread reads, decodes and enqueues"
            << std::endl;
  if (!Cell20(session)) return 1;
  std::cout << "== cell 23: a QueueRunner, five threads, one reader"
            << std::endl;
  if (!RunnerCell(session, "cell23", false)) return 1;
  std::cout << "== cell 24: a QueueRunner, five threads, a reader each"
            << std::endl;
  if (!RunnerCell(session, "cell24", true)) return 1;
  return Check(session.reset({"cell20", "cell23", "cell24"}), "reset") ? 0 : 1;
}
