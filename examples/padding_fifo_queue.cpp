// The chapter's PaddingFIFOQueue: 3x2, 1x1 and 2x4 matrices of any size go
// in; dequeue_many(3) returns them padded with zeros to a 3x3x4 batch.
//
//   build/bin/padding_fifo_queue [HOST:PORT]
#include <iostream>
#include <string>

#include "cluster/queue.h"
#include "cluster/session.h"

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  troupe::Session session(target);
  troupe::QueueOptions options;
  options.capacity = 50;
  options.dtypes = {troupe::DT_FLOAT};
  options.shapes = {
      {troupe::PartialShape::kUnknownDim, troupe::PartialShape::kUnknownDim}};
  options.shared_name = "padded_q";
  troupe::PaddingFIFOQueue q(session, options);

  auto a = troupe::Tensor::FromVector<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  auto b = troupe::Tensor::FromVector<float>({1, 1}, {7});
  auto c = troupe::Tensor::FromVector<float>({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  for (const auto& matrix : {a, b, c}) {
    if (auto status = q.enqueue({matrix}); !status.ok()) {
      std::cerr << "padding_fifo_queue: enqueue failed: " << status << "\n";
      return 1;
    }
  }
  std::cout
      << "padding_fifo_queue: enqueued matrices of shapes [3,2], [1,1], [2,4]"
      << std::endl;
  auto batch = q.dequeue_many(3);
  if (!batch.ok()) {
    std::cerr << "padding_fifo_queue: dequeue_many failed: " << batch.status()
              << "\n";
    return 1;
  }
  const troupe::Tensor& padded = (*batch)[0];
  std::cout << "padding_fifo_queue: dequeue_many(3) -> shape ["
            << padded.shape()[0] << "," << padded.shape()[1] << ","
            << padded.shape()[2] << "]" << std::endl;
  auto values = padded.flat<float>();
  for (int64_t m = 0; m < padded.shape()[0]; ++m) {
    for (int64_t r = 0; r < padded.shape()[1]; ++r) {
      std::cout << (r == 0 ? "  [[" : "   [");
      for (int64_t k = 0; k < padded.shape()[2]; ++k) {
        std::cout
            << (k ? " " : "")
            << values[(m * padded.shape()[1] + r) * padded.shape()[2] + k];
      }
      std::cout << (r + 1 == padded.shape()[1] ? "]]" : "]") << std::endl;
    }
  }
  return 0;
}
