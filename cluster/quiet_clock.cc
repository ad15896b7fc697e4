#include "cluster/quiet_clock.h"

#include <thread>
#include <utility>
#include <vector>

#include "caf/detail/set_thread_name.hpp"
#include "caf/policy/work_stealing.hpp"
#include "caf/scheduler/coordinator.hpp"

namespace troupe {

void QuietClock::WakeIfSooner() {
  if (!schedule_.empty() && schedule_.begin()->first < looks_at_) {
    changed_.notify_one();
  }
}

void QuietClock::set_ordinary_timeout(time_point t, caf::abstract_actor* self,
                                      caf::atom_value type, uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::set_ordinary_timeout(t, self, type, id);
  WakeIfSooner();
}

void QuietClock::set_multi_timeout(time_point t, caf::abstract_actor* self,
                                   caf::atom_value type, uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::set_multi_timeout(t, self, type, id);
  WakeIfSooner();
}

void QuietClock::set_request_timeout(time_point t, caf::abstract_actor* self,
                                     caf::message_id id) {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::set_request_timeout(t, self, id);
  WakeIfSooner();
}

void QuietClock::cancel_ordinary_timeout(caf::abstract_actor* self,
                                         caf::atom_value type) {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::cancel_ordinary_timeout(self, type);
}

void QuietClock::cancel_request_timeout(caf::abstract_actor* self,
                                        caf::message_id id) {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::cancel_request_timeout(self, id);
}

void QuietClock::cancel_timeouts(caf::abstract_actor* self) {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::cancel_timeouts(self);
}

void QuietClock::schedule_message(time_point t, caf::strong_actor_ptr receiver,
                                  caf::mailbox_element_ptr content) {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::schedule_message(t, std::move(receiver),
                                       std::move(content));
  WakeIfSooner();
}

void QuietClock::schedule_message(time_point t, caf::group target,
                                  caf::strong_actor_ptr sender,
                                  caf::message content) {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::schedule_message(t, std::move(target), std::move(sender),
                                       std::move(content));
  WakeIfSooner();
}

void QuietClock::cancel_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  simple_actor_clock::cancel_all();
}

void QuietClock::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (schedule_.empty()) {
      looks_at_ = time_point::max();
      changed_.wait(lock);
      continue;
    }
    const time_point due = schedule_.begin()->first;
    if (due > now()) {
      looks_at_ = due;
      changed_.wait_until(lock, due);
      continue;
    }
    // Taken off the schedule here, shipped (and destroyed) without the
    // mutex: an actor that a message wakes, or that an event's end
    // destroys, may call the clock.
    std::vector<unique_delayed_event_ptr> expired;
    const time_point t = now();
    for (auto i = schedule_.begin(); i != schedule_.end() && i->first <= t;) {
      if (i->second->backlink != actor_lookup_.end()) {
        actor_lookup_.erase(i->second->backlink);
      }
      expired.push_back(std::move(i->second));
      i = schedule_.erase(i);
    }
    looks_at_ = time_point::min();
    lock.unlock();
    for (unique_delayed_event_ptr& due_event : expired) ship(*due_event);
    expired.clear();
    lock.lock();
  }
}

void QuietClock::Stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopping_ = true;
  changed_.notify_one();
}

namespace {

// CAF's work-stealing scheduler with a QuietClock, whose thread it starts
// with its workers and stops after them.
class QuietScheduler final
    : public caf::scheduler::coordinator<caf::policy::work_stealing> {
 public:
  using coordinator::coordinator;

  QuietClock& clock() noexcept override { return clock_; }

 protected:
  void start() override {
    thread_ = std::thread([this] {
      caf::detail::set_thread_name("troupe.clock");
      system().thread_started();
      clock_.Run();
      system().thread_terminates();
    });
    coordinator::start();
  }

  void stop() override {
    coordinator::stop();
    clock_.Stop();
    thread_.join();
  }

 private:
  QuietClock clock_;
  std::thread thread_;
};

}  // namespace

void UseQuietClock(caf::actor_system_config& config) {
  config.module_factories.push_back(
      [](caf::actor_system& system) -> caf::actor_system::module* {
        return new QuietScheduler(system);
      });
}

}  // namespace troupe
