// The TLS files a command uses: --tls-certificate, --tls-key and --tls-ca
// (each node its own), else the "tls" section of the cluster spec.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"

#include "cli/flags.h"
#include "config/tls_files.h"

namespace troupe::cli {

// The flags TlsOptions reads, to pass to ParseFlags.
const std::set<std::string>& TlsFlagNames();

// The files named by the three flags (all or none of them), else
// `from_spec`. INVALID_ARGUMENT when only some of the flags are given.
absl::StatusOr<std::optional<TlsFiles>> TlsOptions(
    const Flags& flags, const std::optional<TlsFiles>& from_spec);

}  // namespace troupe::cli
