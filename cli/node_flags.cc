#include "cli/node_flags.h"

#include "absl/time/time.h"

namespace troupe::cli {

const std::set<std::string>& NodeFlagNames() {
  static const auto* names =
      new std::set<std::string>{"tls-certificate", "tls-key", "tls-ca"};
  return *names;
}

absl::StatusOr<NodeOptions> NodeOptionsFrom(const Flags& flags,
                                            const ClusterSpec* spec) {
  NodeOptions options;
  if (spec != nullptr) {
    options.tls = spec->tls();
    if (spec->heartbeat_timeout()) {
      options.connection_timeout =
          absl::ToChronoMilliseconds(*spec->heartbeat_timeout());
      options.heartbeat_interval = options.connection_timeout / 8;
    }
  }
  size_t given = 0;
  for (const std::string& name : NodeFlagNames()) given += flags.Has(name);
  if (given == 0) return options;
  if (given != NodeFlagNames().size()) {
    return absl::InvalidArgumentError(
        "TLS needs all of --tls-certificate, --tls-key and --tls-ca");
  }
  options.tls = TlsFiles{flags.Get("tls-certificate"), flags.Get("tls-key"),
                         flags.Get("tls-ca")};
  return options;
}

}  // namespace troupe::cli
