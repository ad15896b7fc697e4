#include "cli/node_flags.h"

#include "absl/time/time.h"

namespace troupe::cli {

void NodeFlags::AddTo(CLI::App& app) {
  const char* group = "TLS (all three, or the cluster spec's \"tls\")";
  app.add_option("--tls-certificate", tls_certificate,
                 "this node's certificate")
      ->type_name("PEM")
      ->group(group);
  app.add_option("--tls-key", tls_key, "its unencrypted key")
      ->type_name("PEM")
      ->group(group);
  app.add_option("--tls-ca", tls_ca, "the CA that signs the cluster's nodes")
      ->type_name("PEM")
      ->group(group);
}

absl::StatusOr<NodeOptions> NodeOptionsFrom(const NodeFlags& flags,
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
  const int given = flags.tls_certificate.has_value() +
                    flags.tls_key.has_value() + flags.tls_ca.has_value();
  if (given == 0) return options;
  if (given != 3) {
    return absl::InvalidArgumentError(
        "TLS needs all of --tls-certificate, --tls-key and --tls-ca");
  }
  options.tls = TlsFiles{*flags.tls_certificate, *flags.tls_key, *flags.tls_ca};
  return options;
}

}  // namespace troupe::cli
