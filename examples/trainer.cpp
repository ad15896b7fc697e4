// The chapter's trainer: pulls mini-batches from `shared_q` on the ps task
// with dequeue_many, then the remainder with dequeue_up_to, until the closed
// queue is drained (OUT_OF_RANGE).
//
//   build/bin/trainer [HOST:PORT] [BATCH_SIZE]
#include <cstdlib>
#include <iostream>
#include <string>

#include "cluster/queue.h"
#include "cluster/session.h"

namespace {

void PrintBatch(const char* how, const troupe::Tensor& batch) {
  std::cout << "trainer: " << how << " -> [";
  auto values = batch.flat<float>();
  for (int64_t i = 0; i < batch.shape()[0]; ++i) {
    std::cout << (i > 0 ? ", " : "") << "[" << values[2 * i] << ", "
              << values[2 * i + 1] << "]";
  }
  std::cout << "]" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  int batch_size = argc > 2 ? std::atoi(argv[2]) : 2;

  troupe::Session session(target);
  troupe::FIFOQueue q(session, {/*capacity=*/10, /*dtypes=*/{troupe::DT_FLOAT},
                                /*shapes=*/{{2}}, /*shared_name=*/"shared_q",
                                /*device=*/"/job:ps/task:0", /*container=*/""});

  int received = 0;
  while (true) {
    auto mini_batch = q.dequeue_many(batch_size);
    if (absl::IsOutOfRange(mini_batch.status())) {
      std::cout << "trainer: dequeue_many: " << mini_batch.status()
                << std::endl;
      break;
    }
    if (!mini_batch.ok()) {
      std::cerr << "trainer: dequeue_many failed: " << mini_batch.status()
                << "\n";
      return 1;
    }
    PrintBatch("dequeue_many", (*mini_batch)[0]);
    received += static_cast<int>((*mini_batch)[0].shape()[0]);
  }
  while (true) {
    auto rest = q.dequeue_up_to(batch_size);
    if (absl::IsOutOfRange(rest.status())) {
      std::cout << "trainer: dequeue_up_to: " << rest.status() << std::endl;
      break;
    }
    if (!rest.ok()) {
      std::cerr << "trainer: dequeue_up_to failed: " << rest.status() << "\n";
      return 1;
    }
    PrintBatch("dequeue_up_to", (*rest)[0]);
    received += static_cast<int>((*rest)[0].shape()[0]);
  }
  std::cout << "trainer: received " << received << " instances" << std::endl;
  return 0;
}
