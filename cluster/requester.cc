#include "cluster/requester.h"

#include <atomic>
#include <cstdint>
#include <future>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "caf/actor_addr.hpp"
#include "caf/actor_cast.hpp"
#include "caf/actor_companion.hpp"
#include "caf/actor_control_block.hpp"
#include "caf/actor_system.hpp"
#include "caf/exit_reason.hpp"
#include "caf/mailbox_element.hpp"
#include "caf/message.hpp"
#include "caf/scoped_execution_unit.hpp"
#include "caf/sec.hpp"
#include "caf/spawn_options.hpp"
#include "caf/system_messages.hpp"

#include "cluster/rpc.h"
#include "serialization/status_error.h"

namespace troupe::internal {

struct Requester::Impl {
  using Reply = absl::StatusOr<caf::message>;

  struct Pending {
    std::promise<Reply> reply;
    caf::actor_addr dest;
  };

  explicit Impl(caf::actor_system& system)
      : context(&system),
        self(caf::actor_cast<caf::strong_actor_ptr>(
            system.spawn<caf::actor_companion, caf::hidden>())),
        companion(static_cast<caf::actor_companion*>(
            caf::actor_cast<caf::abstract_actor*>(self))) {
    companion->on_enqueue(
        [this](caf::mailbox_element_ptr element) { Receive(*element); });
  }

  ~Impl() {
    // No more replies or down messages; then the requester terminates, and
    // its monitors see it go down. (CAF 0.17.6 declares but does not define
    // actor_companion::disconnect.)
    companion->on_enqueue({});
    companion->cleanup(caf::make_error(caf::exit_reason::normal), &context);
    std::vector<std::promise<Reply>> cancelled;
    {
      std::lock_guard<std::mutex> lock(mutex);
      for (auto& call : pending) {
        cancelled.push_back(std::move(call.second.reply));
      }
      pending.clear();
      for (const auto& receiver : receivers) {
        companion->demonitor(receiver.first);
      }
      receivers.clear();
    }
    for (auto& reply : cancelled) {
      reply.set_value(absl::CancelledError("The session was closed"));
    }
  }

  // See Requester::Request.
  Reply Request(const caf::strong_actor_ptr& dest,
                absl::Duration server_timeout, caf::message request) {
    const uint64_t id = ++last_id;
    std::future<Reply> reply;
    bool first_to_dest;
    {
      std::lock_guard<std::mutex> lock(mutex);
      Pending& call = pending[id];
      call.dest = dest->address();
      reply = call.reply.get_future();
      auto [receiver, inserted] = receivers.try_emplace(call.dest);
      receiver->second.insert(id);
      first_to_dest = inserted;
    }
    // Outside the lock: monitoring an actor that is already down delivers
    // its down message at once, on this thread.
    if (first_to_dest) companion->monitor(dest);
    dest->enqueue(caf::make_mailbox_element(self, caf::make_message_id(id), {},
                                            std::move(request)),
                  nullptr);
    if (server_timeout == absl::InfiniteDuration()) return reply.get();
    auto deadline =
        absl::ToChronoTime(absl::Now() + server_timeout + kClientSlack);
    if (reply.wait_until(deadline) == std::future_status::timeout) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!TakeLocked(id).empty()) {
        return ToStatus(caf::make_error(caf::sec::request_timeout));
      }
    }
    return reply.get();
  }

  // A message to the requester, on the thread that delivers it: a reply, the
  // down message of a receiver, or a request, which it refuses.
  void Receive(caf::mailbox_element& element) {
    if (element.mid.is_response()) {
      caf::message reply = element.move_content_to_message();
      if (reply.match_elements<caf::error>()) {
        Answer(element.mid.request_id().integer_value(),
               ToStatus(reply.get_as<caf::error>(0)));
      } else {
        Answer(element.mid.request_id().integer_value(), std::move(reply));
      }
    } else if (element.content().match_elements<caf::down_msg>()) {
      const auto& down = element.content().get_as<caf::down_msg>(0);
      Lost(down.source, down.reason);
    } else if (element.mid.is_request() && element.sender) {
      element.sender->enqueue(
          self, element.mid.response_id(),
          caf::make_message(caf::make_error(caf::sec::unexpected_message)),
          nullptr);
    }
  }

  // Answers the call `id` with `reply`, if it still waits.
  void Answer(uint64_t id, Reply reply) {
    std::unordered_map<uint64_t, Pending>::node_type call;
    {
      std::lock_guard<std::mutex> lock(mutex);
      call = TakeLocked(id);
    }
    // A reply to a call that timed out, or whose receiver went down.
    if (call.empty()) return;
    call.mapped().reply.set_value(std::move(reply));
  }

  // Fails every call waiting on `dest`, which went down for `reason`.
  void Lost(const caf::actor_addr& dest, const caf::error& reason) {
    std::vector<std::promise<Reply>> lost;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto receiver = receivers.find(dest);
      if (receiver == receivers.end()) return;
      for (uint64_t id : receiver->second) {
        auto call = pending.extract(id);
        lost.push_back(std::move(call.mapped().reply));
      }
      receivers.erase(receiver);
    }
    for (auto& reply : lost) reply.set_value(LossStatus(reason));
  }

  // Removes the call `id` (empty if it no longer waits). REQUIRES: mutex held.
  std::unordered_map<uint64_t, Pending>::node_type TakeLocked(uint64_t id) {
    auto call = pending.extract(id);
    if (!call.empty()) {
      auto receiver = receivers.find(call.mapped().dest);
      if (receiver != receivers.end()) receiver->second.erase(id);
    }
    return call;
  }

  // Where the requester's termination schedules the down messages it sends.
  caf::scoped_execution_unit context;
  // The requester, and the companion it is.
  caf::strong_actor_ptr self;
  caf::actor_companion* companion;
  std::atomic<uint64_t> last_id{0};
  std::mutex mutex;
  // Waiting calls, by request id.
  std::unordered_map<uint64_t, Pending> pending;
  // Every receiver monitored, until it goes down, with the ids of the calls
  // waiting on it.
  std::unordered_map<caf::actor_addr, std::unordered_set<uint64_t>> receivers;
};

absl::Status UnexpectedReply(const caf::message& reply) {
  return ToStatus(caf::make_error(caf::sec::unexpected_response, reply));
}

Requester::Requester(caf::actor_system& system)
    : impl_(std::make_unique<Impl>(system)) {}

Requester::~Requester() = default;

absl::StatusOr<caf::message> Requester::Request(
    const caf::strong_actor_ptr& dest, absl::Duration server_timeout,
    caf::message request) {
  return impl_->Request(dest, server_timeout, std::move(request));
}

}  // namespace troupe::internal
