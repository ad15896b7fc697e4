#include "cli/node_flags.h"

#include "absl/time/time.h"

#include "cli/flag_values.h"

namespace troupe::cli {

CLI::Validator ByteCountValidator(const std::string& flag) {
  return CLI::Validator(
      [flag](std::string& text) {
        absl::StatusOr<uint64_t> parsed = ParseByteCount(flag, text);
        return parsed.ok() ? std::string()
                           : std::string(parsed.status().message());
      },
      "BYTES");
}

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
  app.add_option(
         "--shared-memory", shared_memory,
         "same host: pass tensors of at least --shared-memory-min-bytes "
         "as memfds over the task's Unix socket (auto), never (off), "
         "or fail without it (force, clients only)")
      ->check(CLI::IsMember({"auto", "off", "force"}))
      ->capture_default_str();
  app.add_option("--shared-memory-min-bytes", shared_memory_min_bytes,
                 "smaller tensor segments go inline")
      ->check(ByteCountValidator("--shared-memory-min-bytes"))
      ->capture_default_str();
  app.add_flag("--shared-memory-with-tls", shared_memory_with_tls,
               "with TLS, use the task's Unix socket all the same (both "
               "sides need it): no TLS there, the peer must run as the "
               "same uid instead");
}

absl::StatusOr<NodeOptions> NodeOptionsFrom(const NodeFlags& flags,
                                            const ClusterSpec* spec) {
  NodeOptions options;
  options.shared_memory = flags.shared_memory == "off" ? SharedMemoryUse::kOff
                          : flags.shared_memory == "force"
                              ? SharedMemoryUse::kForce
                              : SharedMemoryUse::kLocal;
  options.shared_memory_min_bytes = flags.shared_memory_min_bytes;
  options.shared_memory_with_tls = flags.shared_memory_with_tls;
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
