// The chapter's RandomShuffleQueue: capacity 50, min_after_dequeue 10; 22
// floats go in, two dequeue_many(5) come out shuffled, and a third would
// leave fewer than 10 behind, so it waits until more arrive or the queue
// closes (after close, min_after_dequeue no longer holds anything back).
//
//   build/bin/random_shuffle_queue [HOST:PORT]
#include <iostream>
#include <string>
#include <vector>

#include "cluster/queue.h"
#include "cluster/session.h"

namespace {

void Print(const char* what, const absl::StatusOr<troupe::Tuple>& batch) {
  std::cout << "random_shuffle_queue: " << what << " -> ";
  if (!batch.ok()) {
    std::cout << batch.status() << std::endl;
    return;
  }
  std::cout << "[";
  auto values = (*batch)[0].flat<float>();
  for (size_t i = 0; i < values.size(); ++i)
    std::cout << (i ? " " : "") << values[i];
  std::cout << "]" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  troupe::Session session(target);
  troupe::QueueOptions options;
  options.capacity = 50;
  options.min_after_dequeue = 10;
  options.dtypes = {troupe::DT_FLOAT};
  options.shapes = {{}};
  options.shared_name = "shuffled_q";
  troupe::RandomShuffleQueue q(session, options);

  std::vector<float> values;
  for (int i = 1; i <= 22; ++i) values.push_back(static_cast<float>(i));
  if (auto status =
          q.enqueue_many({troupe::Tensor::FromVector<float>({22}, values)});
      !status.ok()) {
    std::cerr << "random_shuffle_queue: enqueue_many failed: " << status
              << "\n";
    return 1;
  }
  std::cout << "random_shuffle_queue: enqueued 1 to 22" << std::endl;
  Print("dequeue_many(5)", q.dequeue_many(5));  // 17 left
  Print("dequeue_many(5)", q.dequeue_many(5));  // 12 left
  Print("dequeue_many(5), 12 - 5 < 10, waits 300 ms",
        q.dequeue_many(5, absl::Milliseconds(300)));
  if (auto status = q.close(); !status.ok()) {
    std::cerr << "random_shuffle_queue: close failed: " << status << "\n";
    return 1;
  }
  std::cout << "random_shuffle_queue: closed" << std::endl;
  Print("dequeue_many(5) after close", q.dequeue_many(5));
  Print("dequeue_up_to(10) after close", q.dequeue_up_to(10));
  return 0;
}
