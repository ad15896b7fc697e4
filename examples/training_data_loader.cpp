// The chapter's training-data loader: pushes training instances (float32
// pairs) into the queue `shared_q` on the ps task, one by one and then with
// enqueue_many, and closes it.
//
//   build/bin/troupe up --cluster examples/cluster.json &
//   build/bin/training_data_loader [HOST:PORT] [INSTANCES]
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "cluster/queue.h"
#include "cluster/session.h"

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  int instances = argc > 2 ? std::atoi(argv[2]) : 7;

  troupe::Session session(target);
  troupe::FIFOQueue q(session, {/*capacity=*/10, /*dtypes=*/{troupe::DT_FLOAT},
                                /*shapes=*/{{2}}, /*shared_name=*/"shared_q",
                                /*device=*/"/job:ps/task:0", /*container=*/""});

  // The first three instances one by one, as the chapter's `enqueue` does.
  int next = 0;
  for (; next < instances && next < 3; ++next) {
    float a = 2.0f * next + 1, b = 2.0f * next + 2;
    auto element = troupe::Tensor::FromVector<float>({2}, {a, b});
    if (auto status = q.enqueue({element}); !status.ok()) {
      std::cerr << "loader: enqueue failed: " << status << "\n";
      return 1;
    }
    std::cout << "loader: enqueued [" << a << ", " << b << "]" << std::endl;
  }
  // The rest in one enqueue_many: a [n, 2] batch.
  if (next < instances) {
    std::vector<float> values;
    for (int i = next; i < instances; ++i) {
      values.push_back(2.0f * i + 1);
      values.push_back(2.0f * i + 2);
    }
    int64_t count = instances - next;
    auto batch = troupe::Tensor::FromVector<float>({count, 2}, values);
    if (auto status = q.enqueue_many({batch}); !status.ok()) {
      std::cerr << "loader: enqueue_many failed: " << status << "\n";
      return 1;
    }
    std::cout << "loader: enqueue_many of " << count << " instances"
              << std::endl;
  }
  if (auto status = q.close(); !status.ok()) {
    std::cerr << "loader: close failed: " << status << "\n";
    return 1;
  }
  std::cout << "loader: closed shared_q after " << instances << " instances"
            << std::endl;
  return 0;
}
