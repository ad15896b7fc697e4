// Unit tests for cli/node_flags.h: the TLS flags, all three or none, and
// the shared-memory flags.
#include "cli/node_flags.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "doctest/doctest.h"

#include "cli/command_line.h"

namespace troupe::cli {
namespace {

absl::StatusOr<NodeOptions> OptionsFrom(const std::vector<std::string>& args) {
  CommandLine command_line("troupe test", "");
  NodeFlags flags;
  flags.AddTo(command_line);
  absl::StatusOr<bool> run = command_line.Read(args);
  if (!run.ok()) return run.status();
  return NodeOptionsFrom(flags, nullptr);
}

TEST_CASE("node flags: the three TLS files, or none of them") {
  absl::StatusOr<NodeOptions> none = OptionsFrom({});
  REQUIRE(none.ok());
  CHECK_FALSE(none->tls.has_value());

  absl::StatusOr<NodeOptions> all = OptionsFrom(
      {"--tls-certificate", "a.pem", "--tls-key", "a.key", "--tls-ca=ca.pem"});
  REQUIRE(all.ok());
  REQUIRE(all->tls.has_value());
  CHECK(all->tls->certificate == "a.pem");
  CHECK(all->tls->key == "a.key");
  CHECK(all->tls->ca == "ca.pem");

  absl::StatusOr<NodeOptions> some =
      OptionsFrom({"--tls-certificate", "a.pem", "--tls-key", "a.key"});
  CHECK(absl::IsInvalidArgument(some.status()));
  CHECK(some.status().message() ==
        "TLS needs all of --tls-certificate, --tls-key and --tls-ca");
}

TEST_CASE("node flags: shared memory, and with TLS only when allowed") {
  absl::StatusOr<NodeOptions> plain = OptionsFrom({});
  REQUIRE(plain.ok());
  CHECK(plain->shared_memory == SharedMemoryUse::kLocal);
  CHECK_FALSE(plain->shared_memory_with_tls);

  absl::StatusOr<NodeOptions> allowed =
      OptionsFrom({"--shared-memory", "force", "--shared-memory-with-tls"});
  REQUIRE(allowed.ok());
  CHECK(allowed->shared_memory == SharedMemoryUse::kForce);
  CHECK(allowed->shared_memory_with_tls);
}

}  // namespace
}  // namespace troupe::cli
