// Times N enqueue/dequeue pairs of a float32 [2] element through the blocking
// C++ client against a running task, one request at a time, and reports
// pairs per second and the mean round trip.
//
//   build/bin/bench_pairs HOST:PORT [PAIRS]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "cluster/queue.h"
#include "cluster/session.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_pairs HOST:PORT [PAIRS]\n";
    return 2;
  }
  int pairs = argc > 2 ? std::atoi(argv[2]) : 100000;
  troupe::Session session(argv[1]);
  troupe::QueueOptions options;
  options.capacity = 1000;
  options.dtypes = {troupe::DT_FLOAT};
  options.shapes = {{2}};
  options.shared_name = "bench_pairs";
  troupe::FIFOQueue q(session, options);
  auto element = troupe::Tensor::FromVector<float>({2}, {1, 2});
  if (auto status = q.enqueue({element}); !status.ok()) {  // Creates the queue.
    std::cerr << "bench_pairs: " << status << "\n";
    return 1;
  }
  if (auto first = q.dequeue(); !first.ok()) {
    std::cerr << "bench_pairs: " << first.status() << "\n";
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < pairs; ++i) {
    if (auto status = q.enqueue({element}); !status.ok()) {
      std::cerr << "bench_pairs: " << status << "\n";
      return 1;
    }
    if (auto value = q.dequeue(); !value.ok()) {
      std::cerr << "bench_pairs: " << value.status() << "\n";
      return 1;
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << "pairs=" << pairs << " seconds=" << seconds
            << " pairs_per_second=" << pairs / seconds
            << " mean_request_us=" << seconds * 1e6 / (2.0 * pairs)
            << std::endl;
  return 0;
}
