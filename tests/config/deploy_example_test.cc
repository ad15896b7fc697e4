// examples/deploy/ is read as the cluster it describes: the spec the systemd
// unit serves, the task its instance name picks, and the TF_CONFIG that the
// Kubernetes manifest's pods build from their names.
#include <stdio.h>

#include <array>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "doctest/doctest.h"

#include "config/cluster_spec.h"

namespace troupe {
namespace {

std::string Example(const std::string& name) {
  std::ifstream in(std::string(TROUPE_SOURCE_DIR) + "/examples/deploy/" + name);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The first line of `text` that starts (after blanks) with `prefix`,
// without those blanks.
std::string LineStartingWith(const std::string& text,
                             const std::string& prefix) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(line);
    if (absl::StartsWith(trimmed, prefix)) return std::string(trimmed);
  }
  FAIL("no line starts with ", prefix);
  return "";
}

// What /bin/sh prints running `script`.
std::string Shell(const std::string& script) {
  FILE* pipe = popen(
      ("/bin/sh -c '" + absl::StrReplaceAll(script, {{"'", "'\\''"}}) + "'")
          .c_str(),
      "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  std::array<char, 4096> buffer;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
    out.append(buffer.data(), n);
  REQUIRE(pclose(pipe) == 0);
  return out;
}

TEST_SUITE("config") {
  TEST_CASE("the systemd unit serves the task its instance names") {
    absl::StatusOr<ClusterSpec> spec =
        ClusterSpec::Parse(Example("cluster.json"));
    REQUIRE(spec.ok());
    CHECK(spec->Tasks().size() == 3);
    // systemd's own expansion of the unit line: %i, %% and $$.
    std::string exec =
        LineStartingWith(Example("troupe-task@.service"), "ExecStart=");
    exec = absl::StrReplaceAll(exec.substr(std::string("ExecStart=").size()),
                               {{"%i", "ps-1"}, {"%%", "%"}, {"$$", "$"}});
    exec = absl::StrReplaceAll(
        exec, {{"exec /usr/local/bin/troupe task", "printf \"%s\\n\""}});
    // `/bin/sh -c 'SCRIPT' ps-1`: run SCRIPT with $0 = ps-1.
    const std::string script = exec.substr(
        exec.find('\'') + 1, exec.rfind('\'') - exec.find('\'') - 1);
    std::vector<std::string> args = absl::StrSplit(
        Shell("sh -c '" + absl::StrReplaceAll(script, {{"'", "'\\''"}}) +
              "' ps-1"),
        '\n', absl::SkipEmpty());
    REQUIRE(args.size() >= 6);
    CHECK(args[0] == "--cluster");
    CHECK(args[2] == "--job");
    CHECK(args[3] == "ps");
    CHECK(args[4] == "--task");
    CHECK(args[5] == "1");
    CHECK(spec->Address({args[3], std::stoi(args[5])})->ToString() ==
          "ps1.example.internal:2222");
  }

  TEST_CASE("the Kubernetes pods build the TF_CONFIG of their task") {
    const std::string manifest = Example("kubernetes.yaml");
    std::string cluster = LineStartingWith(manifest, "value: '");
    cluster = cluster.substr(cluster.find('\'') + 1);
    cluster = cluster.substr(0, cluster.rfind('\''));
    const std::string export_line =
        LineStartingWith(manifest, "export TF_CONFIG=");
    for (int ordinal : {0, 1}) {
      CAPTURE(ordinal);
      const std::string tf_config =
          Shell("TROUPE_CLUSTER='" + cluster + "'; HOSTNAME=ps-" +
                std::to_string(ordinal) + "; " + export_line +
                "; printf %s \"$TF_CONFIG\"");
      absl::StatusOr<TfConfig> config = ParseTfConfig(tf_config);
      REQUIRE_MESSAGE(config.ok(), config.status().ToString());
      REQUIRE(config->task.has_value());
      CHECK(config->task->job == "ps");
      CHECK(config->task->index == ordinal);
      CHECK(config->cluster.Tasks().size() == 2);
      CHECK(config->cluster.Address(*config->task)->ToString() ==
            "ps-" + std::to_string(ordinal) +
                ".troupe-ps.default.svc.cluster.local:2222");
    }
  }
}

}  // namespace
}  // namespace troupe
