// QuietClock: CAF's actor clock (timeouts, delayed messages) without a
// wake-up of its thread for every timeout set or cancelled, and the
// scheduler module that gives a node's actor system this clock.
#pragma once

#include <condition_variable>
#include <mutex>

#include "caf/actor_system.hpp"
#include "caf/detail/thread_safe_actor_clock.hpp"

namespace troupe {

// CAF 0.17's clock hands each change (a request's timeout set, then
// cancelled by its answer) to its thread through a queue that wakes the
// thread, twice per request: on two vCPUs that halved the rate of typed
// handle requests with a timeout (BENCHMARKS.md, rows 1c and 1d). This clock
// changes its schedule under a mutex on the caller's thread and wakes its
// thread only for a timeout due before the one it waits for, which a
// request's timeout almost never is. Expired events are shipped with the
// mutex released. It derives from CAF's thread-safe clock only because the
// work-stealing scheduler's clock() must return one; none of that clock's
// own machinery is used.
class QuietClock final : public caf::detail::thread_safe_actor_clock {
 public:
  void set_ordinary_timeout(time_point t, caf::abstract_actor* self,
                            caf::atom_value type, uint64_t id) override;
  void set_multi_timeout(time_point t, caf::abstract_actor* self,
                         caf::atom_value type, uint64_t id) override;
  void set_request_timeout(time_point t, caf::abstract_actor* self,
                           caf::message_id id) override;
  void cancel_ordinary_timeout(caf::abstract_actor* self,
                               caf::atom_value type) override;
  void cancel_request_timeout(caf::abstract_actor* self,
                              caf::message_id id) override;
  void cancel_timeouts(caf::abstract_actor* self) override;
  void schedule_message(time_point t, caf::strong_actor_ptr receiver,
                        caf::mailbox_element_ptr content) override;
  void schedule_message(time_point t, caf::group target,
                        caf::strong_actor_ptr sender,
                        caf::message content) override;
  void cancel_all() override;

  // Ships each event when it is due, until Stop().
  void Run();
  void Stop();

 private:
  // Wakes the thread if the earliest event is now due before it looks.
  // REQUIRES: mutex_ held.
  void WakeIfSooner();

  std::mutex mutex_;
  std::condition_variable changed_;
  // When the thread looks at the schedule next (max: only when woken).
  time_point looks_at_ = time_point::max();
  bool stopping_ = false;
};

// Prepares `config` so that the actor system it creates schedules with
// CAF's work-stealing scheduler and a QuietClock.
void UseQuietClock(caf::actor_system_config& config);

}  // namespace troupe
