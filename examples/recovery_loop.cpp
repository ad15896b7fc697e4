// A training loop that survives restarts of its ps task, as TensorFlow's
// MonitoredSession does: UNAVAILABLE (the task is down) waits and tries
// again; ABORTED (the task restarted, its variables are new) initializes the
// variables that are not initialized and goes on. Without checkpoints the
// restarted ps starts from scratch, so the global step starts over too.
//
//   build/bin/recovery_loop [HOST:PORT] [STEPS]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "absl/status/status.h"

#include "cluster/session.h"
#include "cluster/variable.h"

namespace {

// Assigns `initial` to `variable` unless it holds a value already (what
// TensorFlow's ready_op and init_op do between them).
absl::Status InitializeIfNeeded(troupe::Variable& variable,
                                troupe::Tensor initial) {
  auto initialized = variable.is_initialized();
  if (!initialized.ok()) return initialized.status();
  if (*initialized) return absl::OkStatus();
  return variable.assign(std::move(initial)).status();
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  int64_t steps = argc > 2 ? std::atoll(argv[2]) : 100;

  troupe::Session session(target);
  troupe::Variable global_step(
      session, {troupe::DT_INT64, {}, "global_step", "/job:ps/task:0", ""});
  troupe::Variable weights(
      session, {troupe::DT_FLOAT, {2}, "weights", "/job:ps/task:0", ""});

  bool initialized = false;
  int64_t step = 0;
  auto backoff = std::chrono::milliseconds(100);
  // Give up after a minute without a step.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (step < steps) {
    absl::Status status = absl::OkStatus();
    if (!initialized) {
      status =
          InitializeIfNeeded(global_step, troupe::Tensor::Scalar<int64_t>(0));
      if (status.ok()) {
        status = InitializeIfNeeded(
            weights, troupe::Tensor::FromVector<float>({2}, {0, 0}));
      }
      initialized = status.ok();
    }
    if (status.ok()) {  // One training step.
      status =
          weights
              .assign_add(troupe::Tensor::FromVector<float>({2}, {0.5f, -0.5f}))
              .status();
    }
    if (status.ok()) {
      auto next = global_step.assign_add(troupe::Tensor::Scalar<int64_t>(1));
      status = next.status();
      if (next.ok()) step = next->flat<int64_t>()[0];
    }
    if (status.ok()) {
      backoff = std::chrono::milliseconds(100);
      give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
      continue;
    }
    if (absl::IsAborted(status)) {
      // The ps restarted: its variables are new. Each old handle says so
      // once; initialize again (a checkpoint would be restored here).
      std::cout << "recovery_loop: " << status << "; initializing again"
                << std::endl;
      initialized = false;
      continue;
    }
    if (!absl::IsUnavailable(status) ||
        std::chrono::steady_clock::now() > give_up) {
      std::cerr << "recovery_loop: " << status << "\n";
      return 1;
    }
    // The ps is down: a back-off between attempts, as MonitoredSession waits
    // for its session; the first call after the ps is back reconnects.
    std::cout << "recovery_loop: " << status << "; trying again" << std::endl;
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
  }
  std::cout << "recovery_loop: reached step " << step << std::endl;
  return 0;
}
