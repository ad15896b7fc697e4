#include "cli/tls_flags.h"

namespace troupe::cli {

const std::set<std::string>& TlsFlagNames() {
  static const auto* names =
      new std::set<std::string>{"tls-certificate", "tls-key", "tls-ca"};
  return *names;
}

absl::StatusOr<std::optional<TlsFiles>> TlsOptions(
    const Flags& flags, const std::optional<TlsFiles>& from_spec) {
  size_t given = 0;
  for (const std::string& name : TlsFlagNames()) given += flags.Has(name);
  if (given == 0) return from_spec;
  if (given != TlsFlagNames().size()) {
    return absl::InvalidArgumentError(
        "TLS needs all of --tls-certificate, --tls-key and --tls-ca");
  }
  return TlsFiles{flags.Get("tls-certificate"), flags.Get("tls-key"),
                  flags.Get("tls-ca")};
}

}  // namespace troupe::cli
