// A client built against the installed package (examples/consumer/): connects
// to the task HOST:PORT, creates a FIFOQueue there, enqueues one element and
// prints what it dequeues.
//
//   consumer HOST:PORT
#include <troupe/troupe.h>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: consumer HOST:PORT\n";
    return 2;
  }
  troupe::Session session(argv[1]);
  troupe::FIFOQueue queue(session,
                          {/*capacity=*/1, /*dtypes=*/{troupe::DT_FLOAT},
                           /*shapes=*/{{2}},
                           /*shared_name=*/"consumer_q",
                           /*device=*/"", /*container=*/""});
  constexpr absl::Duration kTimeout = absl::Seconds(10);
  auto element = troupe::Tensor::FromVector<float>({2}, {1.5f, 2.5f});
  if (auto status = queue.enqueue({element}, kTimeout); !status.ok()) {
    std::cerr << "consumer: enqueue failed: " << status << "\n";
    return 1;
  }
  auto dequeued = queue.dequeue(kTimeout);
  if (!dequeued.ok()) {
    std::cerr << "consumer: dequeue failed: " << dequeued.status() << "\n";
    return 1;
  }
  std::cout << "troupe " << troupe::kVersion << " dequeued [";
  const char* separator = "";
  for (float value : dequeued->at(0).flat<float>()) {
    std::cout << separator << value;
    separator = ", ";
  }
  std::cout << "]\n";
  return 0;
}
