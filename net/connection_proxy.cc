#include "net/connection_proxy.h"

#include <map>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/exit_reason.hpp"
#include "caf/sec.hpp"
#include "caf/stateful_actor.hpp"

#include "serialization/status_error.h"

namespace troupe {
namespace {

// Asks the proxy to write the answers queued with its connection.
using flush_atom = caf::atom_constant<caf::atom("flush")>;

// Resource ids one connection may hold at once; past it the ids of resources
// that are gone are forgotten, and then a lookup fails RESOURCE_EXHAUSTED.
constexpr size_t kMaxResourcesPerConnection = 65536;

// A resource handed out on the connection: its actor while it runs, or why
// it is gone.
struct Resource {
  QueueActor queue;
  VariableActor variable;
  ReaderActor reader;
  absl::Status gone;
};

struct ProxyState {
  TaskActor task;
  std::shared_ptr<ServerConnection> connection;
  ResourceIdSource ids;
  std::unordered_map<uint64_t, Resource> resources;
  std::map<caf::actor_addr, uint64_t> id_of;
  // Whether a flush message is on its way to write queued answers (Answer).
  bool flush_scheduled = false;
  static inline const char* name = "connection_proxy";
};

using Proxy = caf::stateful_actor<ProxyState>;

// Answers `request_id`. While more messages wait in the proxy's mailbox
// (replies of other requests, as when a client keeps many in flight), the
// answer waits with the connection, and a flush message behind them writes
// every answer of the burst at once.
void Answer(Proxy* self, uint64_t request_id, const Message& message) {
  auto& state = self->state;
  if (self->mailbox().empty()) {
    state.connection->Send(request_id, message);
    return;
  }
  state.connection->Queue(request_id, message);
  if (!state.flush_scheduled) {
    state.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

absl::Status ErrorOf(const caf::error& error) {
  if (error == caf::sec::request_receiver_down) return LossStatus(caf::error{});
  return ToStatus(error);
}

// Sends `args...` to `dest` and answers the reply through `on_reply`, or the
// error.
template <class Handle, class OnReply, class... Args>
void Forward(Proxy* self, uint64_t request_id, const Handle& dest,
             OnReply on_reply, Args&&... args) {
  self->request(dest, caf::infinite, std::forward<Args>(args)...)
      .then(std::move(on_reply), [self, request_id](caf::error& error) {
        Answer(self, request_id, ErrorReply{ErrorOf(error)});
      });
}

// The id of `actor` on this connection, handing out a new one (and
// monitoring the actor) the first time.
template <class Actor>
absl::StatusOr<uint64_t> Register(Proxy* self, const Actor& actor) {
  auto& state = self->state;
  auto known = state.id_of.find(actor.address());
  if (known != state.id_of.end()) return known->second;
  if (state.resources.size() >= kMaxResourcesPerConnection) {
    for (auto it = state.resources.begin(); it != state.resources.end();) {
      it = it->second.gone.ok() ? std::next(it) : state.resources.erase(it);
    }
    if (state.resources.size() >= kMaxResourcesPerConnection) {
      return absl::ResourceExhaustedError(
          absl::StrCat("This connection holds ", state.resources.size(),
                       " resource ids, the most one connection may hold"));
    }
  }
  const uint64_t id = state.ids->fetch_add(1) + 1;
  Resource& resource = state.resources[id];
  if constexpr (std::is_same_v<Actor, QueueActor>) {
    resource.queue = actor;
  } else if constexpr (std::is_same_v<Actor, VariableActor>) {
    resource.variable = actor;
  } else {
    resource.reader = actor;
  }
  state.id_of[actor.address()] = id;
  self->monitor(actor);
  return id;
}

// The queue (or variable) `resource_id` names; else answers the request's
// error and returns null.
template <class Actor>
const Actor* Find(Proxy* self, uint64_t request_id, uint64_t resource_id) {
  auto it = self->state.resources.find(resource_id);
  absl::Status error;
  if (it == self->state.resources.end()) {
    error = absl::NotFoundError(absl::StrCat(
        "Resource id ", resource_id,
        " is not known on this connection: look the resource up first"));
  } else if (!it->second.gone.ok()) {
    error = it->second.gone;
  } else if constexpr (std::is_same_v<Actor, QueueActor>) {
    if (it->second.queue) return &it->second.queue;
    error = absl::NotFoundError(
        absl::StrCat("Resource id ", resource_id, " is not a queue"));
  } else if constexpr (std::is_same_v<Actor, VariableActor>) {
    if (it->second.variable) return &it->second.variable;
    error = absl::NotFoundError(
        absl::StrCat("Resource id ", resource_id, " is not a variable"));
  } else {
    if (it->second.reader) return &it->second.reader;
    error = absl::NotFoundError(
        absl::StrCat("Resource id ", resource_id, " is not a reader"));
  }
  Answer(self, request_id, ErrorReply{std::move(error)});
  return nullptr;
}

// A reply that carries only success.
auto Ok(Proxy* self, uint64_t request_id) {
  return
      [self, request_id](caf::ok_atom) { Answer(self, request_id, OkReply{}); };
}

auto TupleOut(Proxy* self, uint64_t request_id) {
  return [self, request_id](Tuple& components) {
    Answer(self, request_id, TupleReply{std::move(components)});
  };
}

auto TensorOut(Proxy* self, uint64_t request_id) {
  return [self, request_id](Tensor& value) {
    Answer(self, request_id, TensorReply{std::move(value)});
  };
}

auto BoolOut(Proxy* self, uint64_t request_id) {
  return [self, request_id](bool value) {
    Answer(self, request_id, BoolReply{value});
  };
}

auto DescribeOut(Proxy* self, uint64_t request_id) {
  return [self, request_id](ResourceInfo& info) {
    Answer(self, request_id, DescribeReply{std::move(info)});
  };
}

// Answers a looked-up or created resource with its new id.
template <class Reply, class Actor, class Spec, class... Created>
void AnswerResource(Proxy* self, uint64_t request_id, const Actor& actor,
                    Spec& spec, Created... created) {
  absl::StatusOr<uint64_t> id = Register(self, actor);
  if (!id.ok()) return Answer(self, request_id, ErrorReply{id.status()});
  Answer(self, request_id, Reply{*id, std::move(spec), created...});
}

class Dispatch {
 public:
  Dispatch(Proxy* self, uint64_t request_id)
      : self_(self), id_(request_id), task_(self->state.task) {}

  void operator()(EnqueueRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *q, Ok(self_, id_), enqueue_atom::value,
              std::move(m.components), m.timeout_ms);
    }
  }
  void operator()(EnqueueManyRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *q, Ok(self_, id_), enqueue_many_atom::value,
              std::move(m.components), m.timeout_ms);
    }
  }
  void operator()(DequeueRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *q, TupleOut(self_, id_), dequeue_atom::value,
              m.timeout_ms);
    }
  }
  void operator()(DequeueManyRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *q, TupleOut(self_, id_), dequeue_many_atom::value,
              m.n, m.timeout_ms);
    }
  }
  void operator()(DequeueUpToRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *q, TupleOut(self_, id_), dequeue_up_to_atom::value,
              m.n, m.timeout_ms);
    }
  }
  void operator()(EnqueueEachRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      auto self = self_;
      auto id = id_;
      Forward(
          self_, id_, *q,
          [self, id](int32_t enqueued, caf::error& error) {
            Answer(self, id, EnqueueEachReply{enqueued, ToStatus(error)});
          },
          enqueue_each_atom::value, std::move(m.elements), m.timeout_ms);
    }
  }
  void operator()(DequeueSomeRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      auto self = self_;
      auto id = id_;
      Forward(
          self_, id_, *q,
          [self, id](std::vector<Tuple>& elements) {
            Answer(self, id, TuplesReply{std::move(elements)});
          },
          dequeue_some_atom::value, m.max, m.timeout_ms);
    }
  }
  void operator()(CloseRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *q, Ok(self_, id_), close_atom::value,
              m.cancel_pending_enqueues, m.timeout_ms);
    }
  }
  void operator()(SizeRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      auto self = self_;
      auto id = id_;
      Forward(
          self_, id_, *q,
          [self, id](int32_t size) { Answer(self, id, SizeReply{size}); },
          size_atom::value);
    }
  }
  void operator()(IsClosedRequest& m) {
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *q, BoolOut(self_, id_), is_closed_atom::value);
    }
  }
  void operator()(DescribeRequest& m) {
    auto it = self_->state.resources.find(m.resource_id);
    if (it != self_->state.resources.end() && it->second.gone.ok()) {
      if (it->second.variable) {
        return Forward(self_, id_, it->second.variable, DescribeOut(self_, id_),
                       describe_atom::value);
      }
      if (it->second.reader) {
        return Forward(self_, id_, it->second.reader, DescribeOut(self_, id_),
                       describe_atom::value);
      }
    }
    if (auto* q = Find<QueueActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *q, DescribeOut(self_, id_), describe_atom::value);
    }
  }
  void operator()(QueueRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](QueueActor& queue, QueueSpec& spec, bool created) {
          AnswerResource<QueueReply>(self, id, queue, spec, created);
        },
        queue_atom::value, std::move(m.device), std::move(m.container),
        std::move(m.name), std::move(m.spec));
  }
  void operator()(LookupRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](QueueActor& queue, QueueSpec& spec) {
          AnswerResource<LookupReply>(self, id, queue, spec);
        },
        lookup_atom::value, std::move(m.device), std::move(m.container),
        std::move(m.name));
  }
  void operator()(ResetRequest& m) {
    Forward(self_, id_, task_, Ok(self_, id_), reset_atom::value,
            std::move(m.device), std::move(m.containers));
  }
  void operator()(ListRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](std::vector<ResourceInfo>& resources) {
          Answer(self, id, ListReply{std::move(resources)});
        },
        list_atom::value, std::move(m.device));
  }
  void operator()(VariableRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](VariableActor& variable, VariableSpec& spec, bool created) {
          AnswerResource<VariableReply>(self, id, variable, spec, created);
        },
        variable_atom::value, std::move(m.device), std::move(m.container),
        std::move(m.name), std::move(m.spec));
  }
  void operator()(LookupVariableRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](VariableActor& variable, VariableSpec& spec) {
          AnswerResource<LookupVariableReply>(self, id, variable, spec);
        },
        lookup_variable_atom::value, std::move(m.device),
        std::move(m.container), std::move(m.name));
  }
  void operator()(AssignRequest& m) {
    if (auto* v = Find<VariableActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *v, Ok(self_, id_), assign_atom::value,
              std::move(m.value), m.validate_shape);
    }
  }
  void operator()(AssignAddRequest& m) {
    if (auto* v = Find<VariableActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *v, TensorOut(self_, id_), assign_add_atom::value,
              std::move(m.value));
    }
  }
  void operator()(AssignSubRequest& m) {
    if (auto* v = Find<VariableActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *v, TensorOut(self_, id_), assign_sub_atom::value,
              std::move(m.value));
    }
  }
  void operator()(ReadRequest& m) {
    if (auto* v = Find<VariableActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *v, TensorOut(self_, id_), read_atom::value);
    }
  }
  void operator()(IsInitializedRequest& m) {
    if (auto* v = Find<VariableActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *v, BoolOut(self_, id_), is_initialized_atom::value);
    }
  }
  void operator()(ResolveRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](std::string& device, std::string& address) {
          Answer(self, id, ResolveReply{std::move(device), std::move(address)});
        },
        resolve_atom::value, std::move(m.device));
  }
  void operator()(RunnerRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](RunnerStatus& status) {
          Answer(self, id, RunnerReply{std::move(status)});
        },
        runner_atom::value, std::move(m.device), std::move(m.call));
  }
  void operator()(StatusRequest&) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](TaskStatus& status) {
          const WireStats& wire = self->state.connection->stats();
          status.connections = wire.connections.load();
          status.bytes_in = wire.bytes_in.load();
          status.bytes_out = wire.bytes_out.load();
          status.frames_in = wire.frames_in.load();
          status.frames_out = wire.frames_out.load();
          status.shared_bytes_in = wire.shared_bytes_in.load();
          status.shared_bytes_out = wire.shared_bytes_out.load();
          Answer(self, id, StatusReply{std::move(status)});
        },
        status_atom::value);
  }
  void operator()(SaveRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](std::string& file, int64_t tensors, int64_t bytes) {
          Answer(self, id, SaveReply{std::move(file), tensors, bytes});
        },
        save_atom::value, std::move(m.device), std::move(m.prefix),
        std::move(m.containers), m.include_queues);
  }
  void operator()(CommitRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](std::string& prefix) {
          Answer(self, id, CommitReply{std::move(prefix)});
        },
        commit_atom::value, std::move(m.device), std::move(m.info),
        m.max_to_keep, m.write_index);
  }
  void operator()(IndexRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](CheckpointInfo& info) {
          Answer(self, id, CheckpointReply{std::move(info)});
        },
        index_atom::value, std::move(m.device), std::move(m.prefix));
  }
  void operator()(RestoreCheckpointRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](int64_t tensors) {
          Answer(self, id, RestoreCheckpointReply{tensors});
        },
        restore_atom::value, std::move(m.device), std::move(m.prefix));
  }
  void operator()(CheckpointsRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](std::vector<CheckpointInfo>& checkpoints) {
          Answer(self, id, CheckpointsReply{std::move(checkpoints)});
        },
        checkpoints_atom::value, std::move(m.device), std::move(m.dir));
  }
  void operator()(ReaderRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](ReaderActor& reader, ReaderSpec& spec, bool created) {
          AnswerResource<ReaderReply>(self, id, reader, spec, created);
        },
        reader_atom::value, std::move(m.device), std::move(m.container),
        std::move(m.name), std::move(m.spec));
  }
  void operator()(LookupReaderRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](ReaderActor& reader, ReaderSpec& spec) {
          AnswerResource<LookupReaderReply>(self, id, reader, spec);
        },
        lookup_reader_atom::value, std::move(m.device), std::move(m.container),
        std::move(m.name));
  }
  void operator()(ReadRecordRequest& m) {
    if (auto* r = Find<ReaderActor>(self_, id_, m.resource_id)) {
      auto self = self_;
      auto id = id_;
      Forward(
          self_, id_, *r,
          [self, id](std::string& key, std::string& value) {
            Answer(self, id, RecordReply{std::move(key), std::move(value)});
          },
          read_atom::value, std::move(m.queue), m.timeout_ms);
    }
  }
  void operator()(ReadUpToRequest& m) {
    if (auto* r = Find<ReaderActor>(self_, id_, m.resource_id)) {
      auto self = self_;
      auto id = id_;
      Forward(
          self_, id_, *r,
          [self, id](std::vector<std::string>& keys,
                     std::vector<std::string>& values) {
            Answer(self, id, RecordsReply{std::move(keys), std::move(values)});
          },
          read_up_to_atom::value, std::move(m.queue), m.n, m.timeout_ms);
    }
  }
  void operator()(ReaderStatsRequest& m) {
    if (auto* r = Find<ReaderActor>(self_, id_, m.resource_id)) {
      auto self = self_;
      auto id = id_;
      Forward(
          self_, id_, *r,
          [self, id](int64_t produced, int64_t completed, int64_t skipped) {
            Answer(self, id, ReaderStatsReply{produced, completed, skipped});
          },
          reader_stats_atom::value);
    }
  }
  void operator()(ResetReaderRequest& m) {
    if (auto* r = Find<ReaderActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *r, Ok(self_, id_), reset_atom::value);
    }
  }
  void operator()(SerializeReaderRequest& m) {
    if (auto* r = Find<ReaderActor>(self_, id_, m.resource_id)) {
      auto self = self_;
      auto id = id_;
      Forward(
          self_, id_, *r,
          [self, id](std::string& state) {
            Answer(self, id, ReaderStateReply{std::move(state)});
          },
          serialize_atom::value);
    }
  }
  void operator()(RestoreReaderRequest& m) {
    if (auto* r = Find<ReaderActor>(self_, id_, m.resource_id)) {
      Forward(self_, id_, *r, Ok(self_, id_), restore_atom::value,
              std::move(m.state));
    }
  }
  void operator()(TfrecordWriteRequest& m) {
    auto self = self_;
    auto id = id_;
    Forward(
        self_, id_, task_,
        [self, id](int64_t bytes) {
          Answer(self, id, TfrecordWriteReply{bytes});
        },
        tfrecord_write_atom::value, std::move(m.device), std::move(m.path),
        std::move(m.records), std::move(m.compression));
  }
  // A heartbeat needs no answer.
  void operator()(Heartbeat&) {}
  // Replies are not requests.
  template <class Reply>
  void operator()(Reply&) {
    Answer(self_, id_,
           ErrorReply{absl::InvalidArgumentError(absl::StrCat(
               "Frame of kind ", static_cast<int>(Reply::kKind),
               " is a reply, which a task does not take as a request"))});
  }

 private:
  Proxy* self_;
  uint64_t id_;
  const TaskActor& task_;
};

caf::behavior ConnectionProxy(Proxy* self, TaskActor task,
                              std::shared_ptr<ServerConnection> connection,
                              ResourceIdSource ids) {
  self->state.task = std::move(task);
  self->state.connection = std::move(connection);
  self->state.ids = std::move(ids);
  self->set_down_handler([self](caf::down_msg& down) {
    auto& state = self->state;
    auto known = state.id_of.find(down.source);
    if (known == state.id_of.end()) return;
    Resource& resource = state.resources[known->second];
    resource = Resource{{}, {}, {}, LossStatus(down.reason)};
    state.id_of.erase(known);
  });
  return {
      [self](WireCall& call) {
        std::visit(Dispatch(self, call.request_id), call.message);
      },
      [self](flush_atom) {
        self->state.flush_scheduled = false;
        self->state.connection->Flush();
      },
  };
}

}  // namespace

caf::actor SpawnConnectionProxy(caf::actor_system& system, TaskActor task,
                                std::shared_ptr<ServerConnection> connection,
                                ResourceIdSource ids) {
  return system.spawn(ConnectionProxy, std::move(task), std::move(connection),
                      std::move(ids));
}

}  // namespace troupe
