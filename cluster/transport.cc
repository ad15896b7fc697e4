#include "cluster/transport.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"
#include "caf/openssl/publish.hpp"
#include "caf/openssl/remote_actor.hpp"
#include "caf/sec.hpp"

#include "base/status_macros.h"
#include "net/connect.h"
#include "net/tls_stream.h"

namespace troupe {

absl::Status CheckTlsFiles(const TlsFiles& files) {
  return MakeTlsContext(files).status();
}

absl::StatusOr<uint16_t> PublishTask(caf::actor_system& system,
                                     const TaskActor& task,
                                     const TaskAddress& address) {
  auto port =
      system.has_openssl_manager()
          ? caf::openssl::publish(task, address.port, address.host.c_str(),
                                  /*reuse=*/true)
          : system.middleman().publish(task, address.port, address.host.c_str(),
                                       /*reuse=*/true);
  if (!port) {
    return absl::UnavailableError(absl::StrCat("Cannot serve on ",
                                               address.ToString(), ": ",
                                               system.render(port.error())));
  }
  return *port;
}

absl::StatusOr<TaskActor> ConnectToTask(caf::actor_system& system,
                                        const TaskAddress& address,
                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  TROUPE_RETURN_IF_ERROR(OpenConnection(address, timeout).status());
  const bool tls = system.has_openssl_manager();
  for (;;) {
    auto task = tls ? caf::openssl::remote_actor<TaskActor>(
                          system, address.host, address.port)
                    : system.middleman().remote_actor<TaskActor>(address.host,
                                                                 address.port);
    if (task) return *task;
    // CAF 0.17.6 starts a new outgoing connection's "last seen" at the clock's
    // epoch, so the middleman's next heartbeat tick (every
    // heartbeat_interval) drops it as timed out unless the task's handshake
    // came first: on a busy machine a connect failed after 0-0.5 s instead of
    // the connect timeout. Each try gets a new window until the deadline.
    if (task.error() == caf::sec::connection_timeout &&
        absl::Now() < deadline) {
      continue;
    }
    // A TLS peer that refuses this node's certificate, or a task that speaks
    // TLS to a plaintext client, hangs up during the handshake.
    const char* hint = "";
    if (task.error() == caf::sec::disconnect_during_handshake) {
      hint = tls ? " (the task refused this node's certificate, or does not "
                   "speak TLS)"
                 : " (the task may require TLS: give its cluster spec or the "
                   "TLS files)";
    }
    return absl::UnavailableError(
        absl::StrCat("Cannot connect to task at ", address.ToString(), ": ",
                     system.render(task.error()), hint));
  }
}

}  // namespace troupe
