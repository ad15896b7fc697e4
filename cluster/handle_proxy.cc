#include "cluster/handle_proxy.h"

#include <functional>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/allowed_unsafe_message_type.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"

#include "serialization/protocol.h"
#include "serialization/status_error.h"
#include "serialization/wire_messages.h"

namespace troupe::internal {

// A reply of the wire, handed from the client's reader thread to the proxy.
struct HandleReply {
  uint64_t slot = 0;
  absl::StatusOr<Message> reply;
};

}  // namespace troupe::internal

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::internal::HandleReply)

namespace troupe::internal {
namespace {

using lost_atom = caf::atom_constant<caf::atom("lost")>;

struct ProxyState {
  std::shared_ptr<WireClient> client;
  uint64_t resource_id = 0;
  // What answers each request still waiting, by slot.
  std::unordered_map<uint64_t, std::function<void(absl::StatusOr<Message>)>>
      waiting;
  uint64_t next_slot = 0;
  static inline const char* name = "handle_proxy";
};

using Proxy = caf::stateful_actor<ProxyState>;

// Fails every waiting request with `why` and exits as a lost node's proxy.
void Lost(Proxy* self, const absl::Status& why) {
  auto waiting = std::move(self->state.waiting);
  for (auto& [slot, answer] : waiting) answer(why);
  self->quit(caf::exit_reason::remote_link_unreachable);
}

// Sends `request` (with the handle's resource id) and answers the current
// request with deliver(promise, reply) when a Reply comes, or its error.
template <class Reply, class Request, class Deliver>
caf::response_promise Forward(Proxy* self, Request request, Deliver deliver) {
  request.resource_id = self->state.resource_id;
  caf::response_promise promise = self->make_response_promise();
  const uint64_t slot = self->state.next_slot++;
  self->state.waiting.emplace(
      slot, [promise, deliver](absl::StatusOr<Message> reply) mutable {
        if (!reply.ok()) return promise.deliver(ToError(reply.status()));
        if (auto* typed = std::get_if<Reply>(&*reply)) {
          return deliver(promise, *typed);
        }
        promise.deliver(ToError(absl::InternalError(
            "The task answered with a message of another kind")));
      });
  caf::actor me = caf::actor_cast<caf::actor>(self);
  self->state.client->CallAsync(
      Message(std::move(request)), [me, slot](absl::StatusOr<Message> reply) {
        caf::anon_send(me, HandleReply{slot, std::move(reply)});
      });
  return promise;
}

auto Ok() {
  return [](caf::response_promise& promise, OkReply&) {
    promise.deliver(caf::ok_atom::value);
  };
}

auto Components() {
  return [](caf::response_promise& promise, TupleReply& reply) {
    promise.deliver(std::move(reply.components));
  };
}

auto Value() {
  return [](caf::response_promise& promise, TensorReply& reply) {
    promise.deliver(std::move(reply.value));
  };
}

auto Flag() {
  return [](caf::response_promise& promise, BoolReply& reply) {
    promise.deliver(reply.value);
  };
}

caf::behavior HandleProxy(Proxy* self, std::shared_ptr<WireClient> client,
                          uint64_t resource_id) {
  self->state.client = std::move(client);
  self->state.resource_id = resource_id;
  // A weak address: the client must not keep its proxy alive.
  caf::actor_addr me = self->address();
  self->state.client->WhenLost([me](const absl::Status& why) {
    if (auto proxy = caf::actor_cast<caf::actor>(me)) {
      caf::anon_send(proxy, lost_atom::value, why.ToString());
    }
  });
  return {
      [self](HandleReply& reply) {
        auto it = self->state.waiting.find(reply.slot);
        if (it == self->state.waiting.end()) return;
        auto answer = std::move(it->second);
        self->state.waiting.erase(it);
        const bool lost = absl::IsUnavailable(reply.reply.status()) &&
                          !self->state.client->health().ok();
        answer(std::move(reply.reply));
        if (lost) Lost(self, self->state.client->health());
      },
      [self](lost_atom, const std::string&) {
        Lost(self, self->state.client->health());
      },
      // --- QueueActor ---
      [self](enqueue_atom, Tuple& components, int64_t timeout_ms) {
        return Forward<OkReply>(
            self, EnqueueRequest{0, std::move(components), timeout_ms}, Ok());
      },
      [self](enqueue_many_atom, Tuple& components, int64_t timeout_ms) {
        return Forward<OkReply>(
            self, EnqueueManyRequest{0, std::move(components), timeout_ms},
            Ok());
      },
      [self](dequeue_atom, int64_t timeout_ms) {
        return Forward<TupleReply>(self, DequeueRequest{0, timeout_ms},
                                   Components());
      },
      [self](dequeue_many_atom, int32_t n, int64_t timeout_ms) {
        return Forward<TupleReply>(self, DequeueManyRequest{0, n, timeout_ms},
                                   Components());
      },
      [self](dequeue_up_to_atom, int32_t n, int64_t timeout_ms) {
        return Forward<TupleReply>(self, DequeueUpToRequest{0, n, timeout_ms},
                                   Components());
      },
      [self](enqueue_each_atom, std::vector<Tuple>& elements,
             int64_t timeout_ms) {
        return Forward<EnqueueEachReply>(
            self, EnqueueEachRequest{0, std::move(elements), timeout_ms},
            [](caf::response_promise& promise, EnqueueEachReply& reply) {
              promise.deliver(reply.enqueued, ToError(reply.error));
            });
      },
      [self](dequeue_some_atom, int32_t max, int64_t timeout_ms) {
        return Forward<TuplesReply>(
            self, DequeueSomeRequest{0, max, timeout_ms},
            [](caf::response_promise& promise, TuplesReply& reply) {
              promise.deliver(std::move(reply.elements));
            });
      },
      [self](close_atom, bool cancel_pending_enqueues, int64_t timeout_ms) {
        return Forward<OkReply>(
            self, CloseRequest{0, cancel_pending_enqueues, timeout_ms}, Ok());
      },
      [self](size_atom) {
        return Forward<SizeReply>(
            self, SizeRequest{0},
            [](caf::response_promise& promise, SizeReply& reply) {
              promise.deliver(reply.size);
            });
      },
      [self](is_closed_atom) {
        return Forward<BoolReply>(self, IsClosedRequest{0}, Flag());
      },
      [self](describe_atom) {
        return Forward<DescribeReply>(
            self, DescribeRequest{0},
            [](caf::response_promise& promise, DescribeReply& reply) {
              promise.deliver(std::move(reply.info));
            });
      },
      // --- VariableActor ---
      [self](assign_atom, Tensor& value, bool validate_shape) {
        return Forward<OkReply>(
            self, AssignRequest{0, std::move(value), validate_shape}, Ok());
      },
      [self](assign_add_atom, Tensor& value) {
        return Forward<TensorReply>(self, AssignAddRequest{0, std::move(value)},
                                    Value());
      },
      [self](assign_sub_atom, Tensor& value) {
        return Forward<TensorReply>(self, AssignSubRequest{0, std::move(value)},
                                    Value());
      },
      [self](read_atom) {
        return Forward<TensorReply>(self, ReadRequest{0}, Value());
      },
      [self](is_initialized_atom) {
        return Forward<BoolReply>(self, IsInitializedRequest{0}, Flag());
      },
      // --- ReaderActor ---
      [self](read_atom, std::string& queue, int64_t timeout_ms) {
        return Forward<RecordReply>(
            self, ReadRecordRequest{0, std::move(queue), timeout_ms},
            [](caf::response_promise& promise, RecordReply& reply) {
              promise.deliver(std::move(reply.key), std::move(reply.value));
            });
      },
      [self](read_up_to_atom, std::string& queue, int64_t n,
             int64_t timeout_ms) {
        return Forward<RecordsReply>(
            self, ReadUpToRequest{0, std::move(queue), n, timeout_ms},
            [](caf::response_promise& promise, RecordsReply& reply) {
              promise.deliver(std::move(reply.keys), std::move(reply.values));
            });
      },
      [self](reader_stats_atom) {
        return Forward<ReaderStatsReply>(
            self, ReaderStatsRequest{0},
            [](caf::response_promise& promise, ReaderStatsReply& reply) {
              promise.deliver(reply.records_produced,
                              reply.work_units_completed,
                              reply.records_skipped);
            });
      },
      [self](reset_atom) {
        return Forward<OkReply>(self, ResetReaderRequest{0}, Ok());
      },
      [self](serialize_atom) {
        return Forward<ReaderStateReply>(
            self, SerializeReaderRequest{0},
            [](caf::response_promise& promise, ReaderStateReply& reply) {
              promise.deliver(std::move(reply.state));
            });
      },
      [self](restore_atom, std::string& state) {
        return Forward<OkReply>(self, RestoreReaderRequest{0, std::move(state)},
                                Ok());
      },
  };
}

}  // namespace

caf::actor SpawnHandleProxy(caf::actor_system& system,
                            std::shared_ptr<WireClient> client,
                            uint64_t resource_id) {
  // Hidden, as CAF's proxies of remote actors: await_all_actors_done does
  // not wait for it.
  return system.spawn<caf::hidden>(HandleProxy, std::move(client), resource_id);
}

}  // namespace troupe::internal
