#include "cluster/session.h"

#include <map>
#include <mutex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"

#include "base/status_macros.h"
#include "cluster/wire_call.h"
#include "config/cluster_spec.h"
#include "net/tls_stream.h"
#include "net/wire_client.h"

namespace troupe {

struct Session::Impl {
  Impl(std::string target_address, const NodeOptions& options)
      : target(std::move(target_address)),
        connect_timeout(absl::FromChrono(options.connection_timeout)),
        shared_memory(options.shared_memory),
        shared_memory_min_bytes(options.shared_memory_min_bytes),
        shared_memory_with_tls(options.shared_memory_with_tls),
        system((ConfigureNode(config, options), config)) {
    if (options.tls) {
      absl::StatusOr<TlsContext> context = MakeTlsContext(*options.tls);
      if (context.ok()) {
        tls = *std::move(context);
      } else {
        tls_files = context.status();
      }
    }
  }

  // Connects to the task at `address` ("host:port") over the wire and asks
  // it for its device and incarnation. REQUIRES: mutex held.
  absl::StatusOr<WireTask> ConnectWire(const std::string& address) {
    TROUPE_RETURN_IF_ERROR(tls_files);
    TROUPE_ASSIGN_OR_RETURN(TaskAddress parsed, ParseTaskAddress(address));
    WireClientOptions options;
    options.tls = tls;
    options.silence_timeout = connect_timeout;
    options.shared_memory = shared_memory;
    options.shared_memory_min_bytes = shared_memory_min_bytes;
    options.shared_memory_with_tls = shared_memory_with_tls;
    options.system = &system;
    TROUPE_ASSIGN_OR_RETURN(
        std::unique_ptr<WireClient> client,
        WireClient::Connect(parsed, connect_timeout, std::move(options)));
    TROUPE_ASSIGN_OR_RETURN(StatusReply status, internal::CallWire<StatusReply>(
                                                    *client, StatusRequest{},
                                                    internal::kAnsweredAtOnce));
    return WireTask{std::move(client),
                    address,
                    status.status.device,
                    status.status.incarnation,
                    status.status.restored_prefix,
                    status.status.restored_time_unix_ms};
  }

  // Calls still waiting on the wire fail CANCELLED.
  ~Impl() {
    const absl::Status closed = absl::CancelledError("The session was closed");
    if (wire_target.client) wire_target.client->Close(closed);
    for (auto& [device, task] : wire_tasks) task.client->Close(closed);
  }

  std::string target;
  // Why the TLS files cannot be used (checked once); OK without TLS.
  absl::Status tls_files;
  // The wire's TLS, made from the files; null without TLS.
  TlsContext tls;
  // How long a new connection may take to open (the heartbeat timeout).
  absl::Duration connect_timeout;
  SharedMemoryUse shared_memory;
  uint64_t shared_memory_min_bytes;
  bool shared_memory_with_tls;
  caf::actor_system_config config;
  caf::actor_system system;
  std::mutex mutex;
  WireTask wire_target;                        // No client: not connected.
  std::map<std::string, WireTask> wire_tasks;  // Other devices, by name.
};

Session::Session(std::string target, NodeOptions options)
    : impl_(std::make_unique<Impl>(std::move(target), options)) {}

Session::~Session() = default;

const std::string& Session::target() const { return impl_->target; }

caf::actor_system& Session::system() { return impl_->system; }

absl::StatusOr<WireTask> Session::wire(const std::string& device) {
  std::string name;
  if (!device.empty()) {
    auto parsed = ParseDevice(device);
    if (!parsed.ok()) return parsed.status();
    name = parsed->ToDevice();
  }
  std::lock_guard<std::mutex> lock(impl_->mutex);
  WireTask& target = impl_->wire_target;
  if (target.client && !target.client->Probe().ok()) target = {};
  if (!target.client) {
    TROUPE_ASSIGN_OR_RETURN(target, impl_->ConnectWire(impl_->target));
  }
  if (name.empty() || name == target.device) return target;
  if (auto known = impl_->wire_tasks.find(name);
      known != impl_->wire_tasks.end()) {
    if (known->second.client->Probe().ok()) return known->second;
    impl_->wire_tasks.erase(known);
  }
  auto where = internal::CallWire<ResolveReply>(
      *target.client, ResolveRequest{name}, internal::kAnsweredAtOnce);
  if (!where.ok()) {
    if (absl::IsUnavailable(where.status())) target = {};
    return where.status();
  }
  TROUPE_ASSIGN_OR_RETURN(WireTask task, impl_->ConnectWire(where->address));
  impl_->wire_tasks[name] = task;
  return task;
}

void Session::Disconnected(const std::string& device) {
  std::string name = device;
  if (auto parsed = ParseDevice(device); parsed.ok()) name = parsed->ToDevice();
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (name.empty() || name == impl_->wire_target.device) {
    impl_->wire_target = WireTask{};
  } else {
    impl_->wire_tasks.erase(name);
  }
}

template <class Reply>
absl::StatusOr<Reply> Session::CallTask(const std::string& device,
                                        const Message& request) {
  TROUPE_ASSIGN_OR_RETURN(WireTask task, wire(device));
  absl::StatusOr<Reply> reply = internal::CallWire<Reply>(
      *task.client, request, internal::kAnsweredAtOnce);
  if (absl::IsUnavailable(reply.status())) Disconnected(device);
  return reply;
}

absl::Status Session::reset(const std::vector<std::string>& containers,
                            const std::string& device) {
  return CallTask<OkReply>(device,
                           ResetRequest{internal::kThisTask, containers})
      .status();
}

absl::StatusOr<std::vector<ResourceInfo>> Session::list(
    const std::string& device) {
  TROUPE_ASSIGN_OR_RETURN(
      ListReply reply,
      CallTask<ListReply>(device, ListRequest{internal::kThisTask}));
  return std::move(reply.resources);
}

absl::StatusOr<TaskStatus> Session::status(const std::string& device) {
  TROUPE_ASSIGN_OR_RETURN(StatusReply reply,
                          CallTask<StatusReply>(device, StatusRequest{}));
  return std::move(reply.status);
}

}  // namespace troupe
