#include "actors/inline_unit.h"

#include <chrono>

#include "caf/scheduler/abstract_coordinator.hpp"

namespace troupe {
namespace {

// How long the thread runs the actors it woke before it hands the rest to
// CAF's scheduler.
constexpr std::chrono::microseconds kWorkBudget{2000};
// Messages one actor handles per turn on the thread.
constexpr size_t kMessagesPerTurn = 64;

}  // namespace

InlineUnit::InlineUnit(caf::actor_system& system)
    : caf::execution_unit(&system) {}

InlineUnit::~InlineUnit() {
  for (caf::resumable* job : jobs_) system().scheduler().enqueue(job);
}

void InlineUnit::exec_later(caf::resumable* job) { jobs_.push_back(job); }

void InlineUnit::RunJobs() {
  const auto deadline = std::chrono::steady_clock::now() + kWorkBudget;
  while (!jobs_.empty()) {
    caf::resumable* job = jobs_.front();
    jobs_.pop_front();
    if (std::chrono::steady_clock::now() > deadline) {
      system().scheduler().enqueue(job);
      continue;
    }
    if (job->resume(this, kMessagesPerTurn) == caf::resumable::resume_later) {
      system().scheduler().enqueue(job);
    } else {
      intrusive_ptr_release(job);
    }
  }
}

}  // namespace troupe
