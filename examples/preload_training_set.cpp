// The chapter's "preload the data into a variable": a training set that fits
// in memory is sent to the ps task once, with one assign to the variable
// `training_set`; trainers then read it from there instead of each loading it
// from the datastore.
//
//   build/bin/preload_training_set [HOST:PORT] [INSTANCES] [TRAINERS]
//
// INSTANCES (default 100000) rows of 2 float32 features. The variable lives in
// the container "preload", which the loader resets first so that a rerun may
// declare it with another shape.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <future>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cluster/session.h"
#include "cluster/variable.h"

namespace {

constexpr int64_t kFeatures = 2;

troupe::VariableOptions TrainingSet(int64_t instances) {
  return {troupe::DT_FLOAT, /*shape=*/{instances, kFeatures},
          /*shared_name=*/"training_set", /*device=*/"/job:ps/task:0",
          /*container=*/"preload"};
}

double MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - start)
      .count();
}

std::string Megabytes(size_t bytes) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(1) << bytes / (1024.0 * 1024.0)
       << " MiB";
  return text.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  int64_t instances = argc > 2 ? std::atoll(argv[2]) : 100000;
  int trainers = argc > 3 ? std::atoi(argv[3]) : 2;
  if (instances <= 0 || trainers <= 0) {
    std::cerr << "usage: preload_training_set [HOST:PORT] [INSTANCES] "
                 "[TRAINERS]\n";
    return 2;
  }

  // "Load the training data from the datastore": instance i is [i, -i].
  std::vector<float> data(static_cast<size_t>(instances * kFeatures));
  for (int64_t i = 0; i < instances; ++i) {
    data[2 * i] = static_cast<float>(i);
    data[2 * i + 1] = -static_cast<float>(i);
  }
  troupe::Tensor training_data =
      troupe::Tensor::FromVector<float>({instances, kFeatures}, data);

  troupe::Session session(target);
  if (auto status = session.reset({"preload"}); !status.ok()) {
    std::cerr << "preload_training_set: reset failed: " << status << "\n";
    return 1;
  }
  troupe::Variable training_set(session, TrainingSet(instances));
  auto start = std::chrono::steady_clock::now();
  // sess.run(training_set.initializer, feed_dict={training_set_init: data})
  auto assigned = training_set.assign(training_data);
  if (!assigned.ok()) {
    std::cerr << "preload_training_set: assign failed: " << assigned.status()
              << "\n";
    return 1;
  }
  std::cout << "loader: assigned training_set, " << instances << " x "
            << kFeatures << " float32 (" << Megabytes(training_data.byte_size())
            << "), in " << std::fixed << std::setprecision(1)
            << MillisecondsSince(start) << " ms (one round trip)" << std::endl;

  // Trainers, each with its own session, read the whole set from the ps task.
  std::vector<std::future<std::string>> reads;
  for (int t = 0; t < trainers; ++t) {
    reads.push_back(std::async(std::launch::async, [&, t]() -> std::string {
      troupe::Session trainer_session(target);
      troupe::Variable set(trainer_session, TrainingSet(instances));
      auto read_start = std::chrono::steady_clock::now();
      auto value = set.read();
      double ms = MillisecondsSince(read_start);
      if (!value.ok()) return "read failed: " + value.status().ToString();
      bool same = value->byte_size() == training_data.byte_size() &&
                  std::memcmp(value->data(), training_data.data(),
                              training_data.byte_size()) == 0;
      std::ostringstream line;
      auto last = value->Slice(instances - 1).flat<float>();
      line << "trainer " << t << ": read training_set [" << value->shape()[0]
           << "," << value->shape()[1] << "] (" << Megabytes(value->byte_size())
           << ") in " << std::fixed << std::setprecision(1) << ms
           << " ms; last instance [" << last[0] << ", " << last[1] << "]; "
           << (same ? "identical to the loaded data" : "DIFFERENT DATA");
      return same ? line.str() : "error: " + line.str();
    }));
  }
  bool ok = true;
  for (auto& read : reads) {
    std::string line = read.get();
    ok &= line.rfind("trainer ", 0) == 0;
    std::cout << line << std::endl;
  }
  return ok ? 0 : 1;
}
