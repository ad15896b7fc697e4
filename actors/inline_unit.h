// InlineUnit: a CAF execution unit for a thread that is not one of CAF's
// workers (the wire's I/O threads, the durable queues' log writer), so that
// the actors its messages wake run on it right after, with no worker woken.
#pragma once

#include <deque>

#include "caf/actor_system.hpp"
#include "caf/execution_unit.hpp"
#include "caf/resumable.hpp"

namespace troupe {

class InlineUnit : public caf::execution_unit {
 public:
  explicit InlineUnit(caf::actor_system& system);
  // Hands the actors that did not run to CAF's scheduler.
  ~InlineUnit() override;
  InlineUnit(const InlineUnit&) = delete;
  InlineUnit& operator=(const InlineUnit&) = delete;

  // CAF calls it when a message enqueued with this unit, or sent by an actor
  // running on it, wakes an idle actor.
  void exec_later(caf::resumable* job) override;

  // Runs the actors woken so far, and those they wake, on the calling thread
  // until a work budget (2 ms) is spent, so that what the thread serves
  // never waits long behind them; the rest go to CAF's scheduler.
  void RunJobs();

 private:
  std::deque<caf::resumable*> jobs_;
};

}  // namespace troupe
