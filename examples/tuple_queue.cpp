// The chapter's queue of tuples: each element pairs an int32 scalar with a
// float32 3x2 matrix; dequeue returns a pair, dequeue_many a pair of batches.
//
//   build/bin/tuple_queue [HOST:PORT]
#include <iostream>
#include <string>

#include "cluster/queue.h"
#include "cluster/session.h"

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  troupe::Session session(target);
  troupe::FIFOQueue q(
      session,
      {/*capacity=*/10, /*dtypes=*/{troupe::DT_INT32, troupe::DT_FLOAT},
       /*shapes=*/{{}, {3, 2}}, /*shared_name=*/"tuple_q",
       /*device=*/"/job:ps/task:0", /*container=*/""});

  const float b[3][6] = {
      {1, 2, 3, 4, 5, 6}, {2, 4, 6, 8, 0, 2}, {3, 6, 9, 2, 5, 8}};
  for (int i = 0; i < 3; ++i) {
    auto a = troupe::Tensor::Scalar<int32_t>(10 + i);
    auto m = troupe::Tensor::FromVector<float>(
        {3, 2}, std::vector<float>(b[i], b[i] + 6));
    if (auto status = q.enqueue({a, m}); !status.ok()) {
      std::cerr << "tuple_queue: enqueue failed: " << status << "\n";
      return 1;
    }
  }
  std::cout << "tuple_queue: enqueued 3 pairs (a, b)" << std::endl;

  auto pair = q.dequeue();
  if (!pair.ok()) {
    std::cerr << "tuple_queue: dequeue failed: " << pair.status() << "\n";
    return 1;
  }
  std::cout << "tuple_queue: dequeue -> a = " << (*pair)[0].flat<int32_t>()[0]
            << ", b[0] = [" << (*pair)[1].flat<float>()[0] << ", "
            << (*pair)[1].flat<float>()[1] << "]" << std::endl;

  auto batch = q.dequeue_many(2);
  if (!batch.ok()) {
    std::cerr << "tuple_queue: dequeue_many failed: " << batch.status() << "\n";
    return 1;
  }
  auto as = (*batch)[0].flat<int32_t>();
  std::cout << "tuple_queue: dequeue_many(2) -> a = [" << as[0] << ", " << as[1]
            << "], b has shape [" << (*batch)[1].shape()[0] << ","
            << (*batch)[1].shape()[1] << "," << (*batch)[1].shape()[2] << "]"
            << std::endl;
  return 0;
}
