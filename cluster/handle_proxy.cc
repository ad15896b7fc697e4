#include "cluster/handle_proxy.h"

#include <utility>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/mailbox_element.hpp"
#include "caf/no_stages.hpp"
#include "caf/send.hpp"
#include "caf/stateful_actor.hpp"

#include "serialization/protocol.h"
#include "serialization/status_error.h"
#include "serialization/wire_messages.h"

namespace troupe::internal {
namespace {

using lost_atom = caf::atom_constant<caf::atom("lost")>;

struct ProxyState {
  std::shared_ptr<WireClient> client;
  uint64_t resource_id = 0;
  static inline const char* name = "handle_proxy";
};

using Proxy = caf::stateful_actor<ProxyState>;

// Where the answer to a request goes: what its response promise holds,
// without the promise's reference to the proxy. A reply may come after the
// proxy's last handle went; the callback that answers it, which runs with
// the client's lock held, must not be what destroys the proxy (and with it,
// maybe, the client).
struct ReplyTo {
  caf::strong_actor_ptr source;
  caf::message_id id;
  caf::response_promise::forwarding_stack stages;
};

// The current request's ReplyTo (see make_response_promise).
ReplyTo TakeReplyTo(Proxy* self) {
  caf::response_promise promise = self->make_response_promise();
  return {promise.source(), promise.id(), promise.stages()};
}

// Answers `to` with `reply` as response_promise::deliver does, but from any
// thread: the message goes to the requester's mailbox with no sender, and
// with `unit` (null: none, as anon_send does).
void Answer(ReplyTo& to, caf::message reply, caf::execution_unit* unit) {
  if (!to.stages.empty()) {
    caf::strong_actor_ptr next = std::move(to.stages.back());
    to.stages.pop_back();
    next->enqueue(
        caf::make_mailbox_element(std::move(to.source), to.id,
                                  std::move(to.stages), std::move(reply)),
        unit);
  } else if (to.source != nullptr) {
    to.source->enqueue(
        caf::make_mailbox_element(nullptr, to.id.response_id(), caf::no_stages,
                                  std::move(reply)),
        unit);
  }
}

// Sends `request` (with the handle's resource id); the client's reader
// thread answers the current request with to_message(reply) when a Reply
// comes, or with its error: straight to the requester, not through the
// proxy. A request that fails because the connection is lost is answered so
// too; the proxy learns of the loss from WhenLost. While more messages wait
// in the proxy's mailbox, the frame waits for theirs, so that requests sent
// together (a window of them in flight) go in one write.
template <class Reply, class Request, class ToMessage>
void Forward(Proxy* self, Request request, ToMessage to_message) {
  request.resource_id = self->state.resource_id;
  self->state.client->CallAsync(
      Message(std::move(request)),
      [to = TakeReplyTo(self), to_message](absl::StatusOr<Message> reply,
                                           caf::execution_unit* unit) mutable {
        caf::message answer;
        if (!reply.ok()) {
          answer = caf::make_message(ToError(reply.status()));
        } else if (auto* typed = std::get_if<Reply>(&*reply)) {
          answer = to_message(*typed);
        } else {
          answer = caf::make_message(ToError(absl::InternalError(
              "The task answered with a message of another kind")));
        }
        Answer(to, std::move(answer), unit);
      },
      !self->mailbox().empty());
}

auto Ok() {
  return [](OkReply&) { return caf::make_message(caf::ok_atom::value); };
}

auto Components() {
  return [](TupleReply& reply) {
    return caf::make_message(std::move(reply.components));
  };
}

auto Value() {
  return [](TensorReply& reply) {
    return caf::make_message(std::move(reply.value));
  };
}

auto Flag() {
  return [](BoolReply& reply) { return caf::make_message(reply.value); };
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
  // Frames that waited for a request that never came (the proxy quit first)
  // still go.
  self->attach_functor([client = self->state.client] { client->Flush(); });
  return {
      [self](lost_atom, const std::string&) {
        self->quit(caf::exit_reason::remote_link_unreachable);
      },
      // --- QueueActor ---
      [self](enqueue_atom, Tuple& components, int64_t timeout_ms) {
        Forward<OkReply>(
            self, EnqueueRequest{0, std::move(components), timeout_ms}, Ok());
      },
      [self](enqueue_many_atom, Tuple& components, int64_t timeout_ms) {
        Forward<OkReply>(
            self, EnqueueManyRequest{0, std::move(components), timeout_ms},
            Ok());
      },
      [self](dequeue_atom, int64_t timeout_ms) {
        Forward<TupleReply>(self, DequeueRequest{0, timeout_ms}, Components());
      },
      [self](dequeue_many_atom, int32_t n, int64_t timeout_ms) {
        Forward<TupleReply>(self, DequeueManyRequest{0, n, timeout_ms},
                            Components());
      },
      [self](dequeue_up_to_atom, int32_t n, int64_t timeout_ms) {
        Forward<TupleReply>(self, DequeueUpToRequest{0, n, timeout_ms},
                            Components());
      },
      [self](enqueue_each_atom, std::vector<Tuple>& elements,
             int64_t timeout_ms) {
        Forward<EnqueueEachReply>(
            self, EnqueueEachRequest{0, std::move(elements), timeout_ms},
            [](EnqueueEachReply& reply) {
              return caf::make_message(reply.enqueued, ToError(reply.error));
            });
      },
      [self](dequeue_some_atom, int32_t max, int64_t timeout_ms) {
        Forward<TuplesReply>(
            self, DequeueSomeRequest{0, max, timeout_ms},
            [](TuplesReply& reply) {
              return caf::make_message(std::move(reply.elements));
            });
      },
      [self](close_atom, bool cancel_pending_enqueues, int64_t timeout_ms) {
        Forward<OkReply>(
            self, CloseRequest{0, cancel_pending_enqueues, timeout_ms}, Ok());
      },
      [self](size_atom) {
        Forward<SizeReply>(self, SizeRequest{0}, [](SizeReply& reply) {
          return caf::make_message(reply.size);
        });
      },
      [self](is_closed_atom) {
        Forward<BoolReply>(self, IsClosedRequest{0}, Flag());
      },
      [self](describe_atom) {
        Forward<DescribeReply>(
            self, DescribeRequest{0}, [](DescribeReply& reply) {
              return caf::make_message(std::move(reply.info));
            });
      },
      // --- VariableActor ---
      [self](assign_atom, Tensor& value, bool validate_shape) {
        Forward<OkReply>(
            self, AssignRequest{0, std::move(value), validate_shape}, Ok());
      },
      [self](assign_add_atom, Tensor& value) {
        Forward<TensorReply>(self, AssignAddRequest{0, std::move(value)},
                             Value());
      },
      [self](assign_sub_atom, Tensor& value) {
        Forward<TensorReply>(self, AssignSubRequest{0, std::move(value)},
                             Value());
      },
      [self](read_atom) {
        Forward<TensorReply>(self, ReadRequest{0}, Value());
      },
      [self](is_initialized_atom) {
        Forward<BoolReply>(self, IsInitializedRequest{0}, Flag());
      },
      // --- ReaderActor ---
      [self](read_atom, std::string& queue, int64_t timeout_ms) {
        Forward<RecordReply>(self,
                             ReadRecordRequest{0, std::move(queue), timeout_ms},
                             [](RecordReply& reply) {
                               return caf::make_message(std::move(reply.key),
                                                        std::move(reply.value));
                             });
      },
      [self](read_up_to_atom, std::string& queue, int64_t n,
             int64_t timeout_ms) {
        Forward<RecordsReply>(
            self, ReadUpToRequest{0, std::move(queue), n, timeout_ms},
            [](RecordsReply& reply) {
              return caf::make_message(std::move(reply.keys),
                                       std::move(reply.values));
            });
      },
      [self](reader_stats_atom) {
        Forward<ReaderStatsReply>(
            self, ReaderStatsRequest{0}, [](ReaderStatsReply& reply) {
              return caf::make_message(reply.records_produced,
                                       reply.work_units_completed,
                                       reply.records_skipped);
            });
      },
      [self](reset_atom) {
        Forward<OkReply>(self, ResetReaderRequest{0}, Ok());
      },
      [self](serialize_atom) {
        Forward<ReaderStateReply>(
            self, SerializeReaderRequest{0}, [](ReaderStateReply& reply) {
              return caf::make_message(std::move(reply.state));
            });
      },
      [self](restore_atom, std::string& state) {
        Forward<OkReply>(self, RestoreReaderRequest{0, std::move(state)}, Ok());
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
