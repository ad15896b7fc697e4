// The node options a command runs with: TLS files from --tls-certificate,
// --tls-key and --tls-ca (each node its own) or from the cluster spec, and
// the heartbeat timeout of the cluster spec.
#pragma once

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

#include "cluster/node_config.h"
#include "config/cluster_spec.h"

namespace troupe::cli {

// The TLS and shared-memory flags as given.
struct NodeFlags {
  std::optional<std::string> tls_certificate;
  std::optional<std::string> tls_key;
  std::optional<std::string> tls_ca;
  // auto, off or force (SharedMemoryUse), and the threshold.
  std::string shared_memory = "auto";
  uint64_t shared_memory_min_bytes = uint64_t{64} << 10;
  bool shared_memory_with_tls = false;

  // Adds the flags to `app`, read into this.
  void AddTo(CLI::App& app);
};

// Refuses a flag's value that is not a count of bytes (ParseByteCount).
CLI::Validator ByteCountValidator(const std::string& flag);

// Options from the flags and, when given, the cluster spec: TLS files from
// the three flags (all or none of them), else from `spec`; the heartbeat
// timeout from `spec` (the interval an eighth of it). INVALID_ARGUMENT when
// only some of the TLS flags are given.
absl::StatusOr<NodeOptions> NodeOptionsFrom(const NodeFlags& flags,
                                            const ClusterSpec* spec);

}  // namespace troupe::cli
