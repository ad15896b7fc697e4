// Unit tests for config/cluster_spec.h: task addresses, device names, the
// cluster spec in all its accepted forms, files, and TF_CONFIG.
#include "config/cluster_spec.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <initializer_list>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "doctest/doctest.h"

#include "config/resolve.h"

// Lets doctest print the values of a failed comparison.
namespace doctest {
template <>
struct StringMaker<troupe::TaskAddress> {
  static String convert(const troupe::TaskAddress& address) {
    return address.ToString().c_str();
  }
};
template <>
struct StringMaker<troupe::TaskId> {
  static String convert(const troupe::TaskId& task) {
    return task.ToDevice().c_str();
  }
};
}  // namespace doctest

namespace troupe {
namespace {

absl::Status StatusOf(const absl::Status& status) { return status; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Checks that `expr` (a Status or StatusOr) failed with `expected_code` and
// that its message contains every one of the remaining string arguments.
#define CHECK_ERROR(expr, expected_code, ...)                              \
  do {                                                                     \
    const absl::Status check_status_ = StatusOf(expr);                     \
    INFO("status: ", check_status_.ToString());                            \
    CHECK(check_status_.code() == (expected_code));                        \
    for (const std::string& fragment_ :                                    \
         std::initializer_list<std::string>{__VA_ARGS__}) {                \
      CHECK_MESSAGE(absl::StrContains(check_status_.message(), fragment_), \
                    "missing '", fragment_,                                \
                    "' in: ", std::string(check_status_.message()));       \
    }                                                                      \
  } while (false)

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr absl::StatusCode kNotFound = absl::StatusCode::kNotFound;

// A file in the temporary directory holding `content`, removed on
// destruction.
class TempFile {
 public:
  explicit TempFile(absl::string_view content) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "troupe_spec_XXXXXX")
            .string();
    const int fd = mkstemp(pattern.data());
    REQUIRE(fd >= 0);
    path_ = pattern;
    const ssize_t written = write(fd, content.data(), content.size());
    close(fd);
    REQUIRE(written == static_cast<ssize_t>(content.size()));
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TaskAddress Addr(std::string host, uint16_t port) {
  return TaskAddress{std::move(host), port};
}

TEST_SUITE("config") {
  // -- TaskAddress ----------------------------------------------------------

  TEST_CASE("ParseTaskAddress reads host:port and bracketed IPv6") {
    absl::StatusOr<TaskAddress> a = ParseTaskAddress("localhost:2222");
    REQUIRE(a.ok());
    CHECK(a->host == "localhost");
    CHECK(a->port == 2222);

    absl::StatusOr<TaskAddress> b = ParseTaskAddress("10.0.0.7:1");
    REQUIRE(b.ok());
    CHECK(b->host == "10.0.0.7");
    CHECK(b->port == 1);

    absl::StatusOr<TaskAddress> c = ParseTaskAddress("[::1]:2222");
    REQUIRE(c.ok());
    CHECK(c->host == "::1");
    CHECK(c->port == 2222);

    absl::StatusOr<TaskAddress> d = ParseTaskAddress("ps-0.svc_local:65535");
    REQUIRE(d.ok());
    CHECK(d->host == "ps-0.svc_local");
    CHECK(d->port == 65535);
  }

  TEST_CASE("ParseTaskAddress rejects bad ports and hosts, naming the text") {
    CHECK_ERROR(ParseTaskAddress("host"), kInvalid, "'host'", "missing port");
    CHECK_ERROR(ParseTaskAddress("host:"), kInvalid, "'host:'", "missing port");
    CHECK_ERROR(ParseTaskAddress(":2222"), kInvalid, "':2222'", "missing host");
    CHECK_ERROR(ParseTaskAddress(""), kInvalid, "''", "missing host");
    CHECK_ERROR(ParseTaskAddress("h:0"), kInvalid, "'h:0'",
                "port 0 is out of range");
    CHECK_ERROR(ParseTaskAddress("h:65536"), kInvalid, "'h:65536'",
                "port 65536 is out of range");
    CHECK_ERROR(ParseTaskAddress("h:99999999999999999999"), kInvalid,
                "out of range");
    CHECK_ERROR(ParseTaskAddress("h:22a"), kInvalid,
                "port '22a' is not a number");
    CHECK_ERROR(ParseTaskAddress("h:-1"), kInvalid,
                "port '-1' is not a number");
    CHECK_ERROR(ParseTaskAddress("h: 22"), kInvalid, "not a number");
    CHECK_ERROR(ParseTaskAddress("::1:2222"), kInvalid, "'::1:2222'",
                "in brackets");
    CHECK_ERROR(ParseTaskAddress("[::1:2222"), kInvalid, "missing ']'");
    CHECK_ERROR(ParseTaskAddress("[::1]2222"), kInvalid, "expected ':'");
    CHECK_ERROR(ParseTaskAddress("[::1]"), kInvalid, "missing port");
    CHECK_ERROR(ParseTaskAddress("[]:2222"), kInvalid, "missing host");
    CHECK_ERROR(ParseTaskAddress("my host:2222"), kInvalid,
                "invalid character ' '");
  }

  TEST_CASE("TaskAddress prints a name plainly and an IPv6 host in brackets") {
    CHECK(Addr("localhost", 2222).ToString() == "localhost:2222");
    CHECK(Addr("::1", 2222).ToString() == "[::1]:2222");
    CHECK(Addr("fe80::1%eth0", 1).ToString() == "[fe80::1%eth0]:1");
    absl::StatusOr<TaskAddress> back = ParseTaskAddress("[fe80::1%eth0]:1");
    REQUIRE(back.ok());
    CHECK(*back == Addr("fe80::1%eth0", 1));
  }

  TEST_CASE("ValidateJobName accepts letters, digits, '_' and '-' only") {
    CHECK(ValidateJobName("ps").ok());
    CHECK(ValidateJobName("Worker_2-b").ok());
    CHECK_ERROR(ValidateJobName(""), kInvalid, "invalid job name ''");
    CHECK_ERROR(ValidateJobName("a b"), kInvalid, "invalid job name 'a b'");
    CHECK_ERROR(ValidateJobName("job:ps"), kInvalid,
                "invalid job name 'job:ps'");
  }

  // -- TaskId and device names ----------------------------------------------

  TEST_CASE("TaskId names its device and orders by job, then index") {
    CHECK(TaskId{"ps", 0}.ToDevice() == "/job:ps/task:0");
    CHECK(TaskId{"worker", 12}.ToDevice() == "/job:worker/task:12");
    CHECK(TaskId{"ps", 1} == TaskId{"ps", 1});
    CHECK(TaskId{"ps", 1} != TaskId{"ps", 2});
    CHECK(TaskId{"ps", 1} != TaskId{"worker", 1});
    CHECK(TaskId{"ps", 9} < TaskId{"worker", 0});
    CHECK(TaskId{"ps", 2} < TaskId{"ps", 10});
    CHECK_FALSE(TaskId{"ps", 2} < TaskId{"ps", 2});
  }

  TEST_CASE("ParseDevice accepts task names with replica and device parts") {
    struct Case {
      const char* device;
      const char* job;
      int index;
    };
    for (const Case& c : {
             Case{"/job:ps/task:0", "ps", 0},
             Case{"/job:worker/task:17", "worker", 17},
             Case{"/job:ps/replica:0/task:1", "ps", 1},
             Case{"/job:ps/task:3/device:CPU:0", "ps", 3},
             Case{"/job:ps/replica:0/task:2/device:GPU:1", "ps", 2},
             Case{"/job:my-job_2/task:4/cpu:0", "my-job_2", 4},
             Case{"/job:w/task:5/gpu:1", "w", 5},
         }) {
      INFO("device: ", std::string(c.device));
      absl::StatusOr<TaskId> task = ParseDevice(c.device);
      REQUIRE(task.ok());
      CHECK(task->job == c.job);
      CHECK(task->index == c.index);
    }
  }

  TEST_CASE("ParseDevice rejects anything else, quoting the expected form") {
    for (const char* device : {
             "",
             "/",
             "job:ps/task:0",
             "/job:ps",
             "/job:/task:0",
             "/job:p s/task:0",
             "/job:ps/task:",
             "/job:ps/task:-1",
             "/job:ps/task:x",
             "/job:ps/task:0/",
             "/job:ps/task:0/extra",
             "/job:ps/task:0/device:CPU",
             "/job:ps/task:0/device:CPU:0/more",
             "/job:ps/replica:1/task:0",
             "/job:ps/task:0/replica:0",
             "/task:0/job:ps",
             "/job:ps/task:99999999999",
         }) {
      INFO("device: ", std::string(device));
      CHECK_ERROR(ParseDevice(device), kInvalid,
                  std::string("Invalid device name '") + device +
                      "'; expected /job:JOB/task:INDEX");
    }
  }

  // -- ClusterSpec: accepted forms ------------------------------------------

  TEST_CASE("ClusterSpec parses the wrapped form") {
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::Parse(R"({"cluster": {
      "ps": ["localhost:2222"],
      "worker": ["localhost:2223", "[::1]:2224"]}})");
    REQUIRE(spec.ok());
    REQUIRE(spec->jobs().size() == 2);
    CHECK(spec->jobs().at("ps").at(0) == Addr("localhost", 2222));
    CHECK(spec->jobs().at("worker").at(0) == Addr("localhost", 2223));
    CHECK(spec->jobs().at("worker").at(1) == Addr("::1", 2224));
    CHECK(spec->jobs().at("worker").size() == 2);
  }

  TEST_CASE("ClusterSpec parses the bare inner object") {
    absl::StatusOr<ClusterSpec> spec =
        ClusterSpec::Parse(R"({"ps": ["a:1", "b:2"], "chief": ["c:3"]})");
    REQUIRE(spec.ok());
    CHECK(spec->Tasks() ==
          std::vector<TaskId>{{"chief", 0}, {"ps", 0}, {"ps", 1}});
    CHECK(spec->Address({"ps", 1}).value_or(TaskAddress{}) == Addr("b", 2));
  }

  TEST_CASE("ClusterSpec parses TensorFlow's sparse form") {
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::Parse(
        R"({"cluster": {"worker": {"1": "h:2001", "3": "h:2003"}, "ps": ["h:1"]}})");
    REQUIRE(spec.ok());
    CHECK(spec->Tasks() ==
          std::vector<TaskId>{{"ps", 0}, {"worker", 1}, {"worker", 3}});
    CHECK(spec->Address({"worker", 3}).value_or(TaskAddress{}) ==
          Addr("h", 2003));
    CHECK(spec->Address({"worker", 0}).status().code() == kNotFound);

    absl::StatusOr<ClusterSpec> bare =
        ClusterSpec::Parse(R"({"worker": {"0": "h:1"}})");
    REQUIRE(bare.ok());
    CHECK(bare->Address({"worker", 0}).value_or(TaskAddress{}) == Addr("h", 1));
  }

  TEST_CASE("ClusterSpec parses the TF_CONFIG form and ignores its task") {
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::Parse(R"({
      "cluster": {"chief": ["h:1"], "worker": ["h:2"]},
      "task": {"type": "worker", "index": 0},
      "environment": "cloud", "rpc_layer": "grpc"})");
    REQUIRE(spec.ok());
    CHECK(spec->Tasks() == std::vector<TaskId>{{"chief", 0}, {"worker", 0}});
    // Parse does not check the task: that is ParseTfConfig's job.
    absl::StatusOr<ClusterSpec> other_task = ClusterSpec::Parse(
        R"({"cluster": {"ps": ["h:1"]}, "task": {"type": "evaluator"}})");
    CHECK(other_task.ok());
  }

  // -- ClusterSpec: rejected input ------------------------------------------

  TEST_CASE("ClusterSpec rejects bad JSON with its line and column") {
    CHECK_ERROR(ClusterSpec::Parse("{\"ps\": [\"h:1\"],\n  oops}"), kInvalid,
                "Invalid cluster spec: ", "invalid JSON at line 2, column 3");
    CHECK_ERROR(ClusterSpec::Parse(""), kInvalid, "invalid JSON at line 1");
    CHECK_ERROR(ClusterSpec::Parse("{\"ps\": [\"h:1\"]"), kInvalid,
                "invalid JSON", "end of input");
    CHECK_ERROR(ClusterSpec::Parse("{\"ps\": [\"h:1\"]} trailing"), kInvalid,
                "invalid JSON at line 1");
  }

  TEST_CASE("ClusterSpec rejects a document that is not an object") {
    CHECK_ERROR(ClusterSpec::Parse(R"(["h:1"])"), kInvalid,
                "expected a JSON object, got array");
    CHECK_ERROR(ClusterSpec::Parse(R"({"cluster": ["h:1"]})"), kInvalid,
                "\"cluster\" must be an object", "got array");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": "h:1"})"), kInvalid,
                "job 'ps' must be a list", "got string");
  }

  TEST_CASE("ClusterSpec rejects a spec with no jobs") {
    CHECK_ERROR(ClusterSpec::Parse("{}"), kInvalid, "no jobs");
    CHECK_ERROR(ClusterSpec::Parse(R"({"cluster": {}})"), kInvalid, "no jobs");
  }

  TEST_CASE("ClusterSpec rejects a job with no tasks") {
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["h:1"], "worker": []})"),
                kInvalid, "job 'worker' has no tasks");
    CHECK_ERROR(ClusterSpec::Parse(R"({"cluster": {"worker": {}}})"), kInvalid,
                "job 'worker' has no tasks");
  }

  TEST_CASE("ClusterSpec rejects a non-string address") {
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["h:1", 2222]})"), kInvalid,
                "task /job:ps/task:1 has a non-string address 2222");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": [null]})"), kInvalid,
                "/job:ps/task:0 has a non-string address null");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": {"4": ["h:1"]}})"), kInvalid,
                "/job:ps/task:4 has a non-string address");
  }

  TEST_CASE("ClusterSpec rejects an address without a port or out of range") {
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["localhost"]})"), kInvalid,
                "task /job:ps/task:0 has an invalid address 'localhost'",
                "missing port");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["h:1", "h:70000"]})"), kInvalid,
                "task /job:ps/task:1", "port 70000 is out of range 1..65535");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["h:0"]})"), kInvalid,
                "port 0 is out of range");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": [":1"]})"), kInvalid,
                "missing host");
  }

  TEST_CASE("ClusterSpec rejects two tasks with the same address") {
    CHECK_ERROR(
        ClusterSpec::Parse(R"({"ps": ["h:1"], "worker": ["h:2", "h:1"]})"),
        kInvalid, "tasks /job:ps/task:0 and /job:worker/task:1",
        "same address h:1");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["Host:1", "host:1"]})"), kInvalid,
                "same address host:1");
    // The same host on different ports is fine.
    CHECK(ClusterSpec::Parse(R"({"ps": ["h:1", "h:2"]})").ok());
  }

  TEST_CASE("ClusterSpec compares addresses as they resolve") {
    // What localhost resolves to here, e.g. 127.0.0.1:2222.
    absl::StatusOr<SocketAddress> resolved =
        ResolveTaskAddress({"localhost", 2222}, AddressUse::kListen);
    REQUIRE(resolved.ok());
    const std::string numeric = NumericAddress(*resolved);
    CHECK_ERROR(
        ClusterSpec::Parse(absl::StrCat(
            R"({"ps": ["localhost:2222"], "worker": [")", numeric, R"("]})")),
        kInvalid, "tasks /job:ps/task:0 and /job:worker/task:0",
        absl::StrCat("have the same address ", numeric));
    CHECK_ERROR(
        ClusterSpec::Parse(
            absl::StrCat(R"({"ps": [")", numeric, R"(", "LocalHost:2222"]})")),
        kInvalid, "tasks /job:ps/task:0 and /job:ps/task:1",
        absl::StrCat("have the same address LocalHost:2222 (", numeric, ")"));
    CHECK(ClusterSpec::Parse(R"({"ps": ["localhost:2222", "localhost:2223"]})")
              .ok());
  }

  TEST_CASE("ClusterSpec rejects bad job names and task indices") {
    CHECK_ERROR(ClusterSpec::Parse(R"({"p s": ["h:1"]})"), kInvalid,
                "invalid job name 'p s'");
    CHECK_ERROR(ClusterSpec::Parse(R"({"": ["h:1"]})"), kInvalid,
                "invalid job name ''");
    CHECK_ERROR(ClusterSpec::Parse(R"({"job/x": ["h:1"]})"), kInvalid,
                "invalid job name 'job/x'");
    CHECK_ERROR(ClusterSpec::Parse(R"({"w": {"-1": "h:1"}})"), kInvalid,
                "job 'w' has an invalid task index '-1'");
    CHECK_ERROR(ClusterSpec::Parse(R"({"w": {"one": "h:1"}})"), kInvalid,
                "invalid task index 'one'");
    CHECK_ERROR(ClusterSpec::Parse(R"({"w": {"1": "h:1", "01": "h:2"}})"),
                kInvalid, "job 'w' lists task index 1 twice");
  }

  TEST_CASE("ClusterSpec rejects a key repeated in one JSON object") {
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["h:1"], "ps": ["h:2"]})"),
                kInvalid, "key \"ps\" appears twice");
    CHECK_ERROR(
        ClusterSpec::Parse(R"({"cluster": {"w": {"1": "h:1", "1": "h:2"}}})"),
        kInvalid, "key \"1\" appears twice");
    // The same key in two different objects is fine.
    CHECK(ClusterSpec::Parse(R"({"a": {"0": "h:1"}, "b": {"0": "h:2"}})").ok());
  }

  // -- ClusterSpec: queries and output --------------------------------------

  TEST_CASE("Tasks lists every task sorted by job, then index") {
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::Parse(
        R"({"worker": {"10": "h:10", "2": "h:2"}, "ps": ["h:3", "h:4"]})");
    REQUIRE(spec.ok());
    CHECK(spec->Tasks() ==
          std::vector<TaskId>{
              {"ps", 0}, {"ps", 1}, {"worker", 2}, {"worker", 10}});
    CHECK(ClusterSpec().Tasks().empty());
  }

  TEST_CASE("Address finds a task and is NOT_FOUND for an unknown one") {
    absl::StatusOr<ClusterSpec> spec =
        ClusterSpec::Parse(R"({"ps": ["h:1"], "worker": ["h:2", "h:3"]})");
    REQUIRE(spec.ok());
    absl::StatusOr<TaskAddress> found = spec->Address({"worker", 1});
    REQUIRE(found.ok());
    CHECK(*found == Addr("h", 3));
    CHECK_ERROR(spec->Address({"x", 3}), kNotFound,
                "No task /job:x/task:3 in the cluster spec (jobs: ps, worker)");
    CHECK_ERROR(spec->Address({"worker", 2}), kNotFound,
                "No task /job:worker/task:2 in the cluster spec");
    CHECK_ERROR(spec->Address({"ps", -1}), kNotFound, "/job:ps/task:-1");
  }

  TEST_CASE("ToJson writes the wrapped form that Parse reads back") {
    absl::StatusOr<ClusterSpec> simple =
        ClusterSpec::Parse(R"({"worker": ["b:2"], "ps": ["a:1"]})");
    REQUIRE(simple.ok());
    CHECK(simple->ToJson() == R"({"cluster":{"ps":["a:1"],"worker":["b:2"]}})");

    absl::StatusOr<ClusterSpec> mixed = ClusterSpec::Parse(R"({"cluster": {
      "ps": ["[::1]:2222", "localhost:2223"],
      "worker": {"1": "10.0.0.1:1", "3": "10.0.0.3:65535"}}})");
    REQUIRE(mixed.ok());
    const std::string json = mixed->ToJson();
    CHECK(json == R"({"cluster":{"ps":["[::1]:2222","localhost:2223"],)"
                  R"("worker":{"1":"10.0.0.1:1","3":"10.0.0.3:65535"}}})");
    absl::StatusOr<ClusterSpec> back = ClusterSpec::Parse(json);
    REQUIRE(back.ok());
    CHECK(*back == *mixed);
    CHECK(back->jobs() == mixed->jobs());
    CHECK(*back != *simple);
  }

  TEST_CASE("FromJobs checks the same invariants as Parse") {
    absl::StatusOr<ClusterSpec> spec =
        ClusterSpec::FromJobs({{"ps", {{0, Addr("h", 1)}, {5, Addr("h", 2)}}}});
    REQUIRE(spec.ok());
    CHECK(spec->Tasks() == std::vector<TaskId>{{"ps", 0}, {"ps", 5}});

    CHECK_ERROR(ClusterSpec::FromJobs({}), kInvalid,
                "Invalid cluster spec: ", "no jobs");
    CHECK_ERROR(ClusterSpec::FromJobs({{"ps", {}}}), kInvalid,
                "job 'ps' has no tasks");
    CHECK_ERROR(ClusterSpec::FromJobs({{"ps", {{-1, Addr("h", 1)}}}}), kInvalid,
                "negative task index -1");
    CHECK_ERROR(ClusterSpec::FromJobs({{"ps", {{0, Addr("h", 0)}}}}), kInvalid,
                "port 0 is out of range");
    CHECK_ERROR(ClusterSpec::FromJobs({{"ps", {{0, Addr("", 1)}}}}), kInvalid,
                "missing host");
    CHECK_ERROR(ClusterSpec::FromJobs({{"a.b", {{0, Addr("h", 1)}}}}), kInvalid,
                "invalid job name 'a.b'");
    CHECK_ERROR(ClusterSpec::FromJobs(
                    {{"ps", {{0, Addr("h", 1)}}}, {"w", {{0, Addr("h", 1)}}}}),
                kInvalid, "same address h:1");
  }

  // -- The "tls" section -----------------------------------------------------

  TEST_CASE("A wrapped spec may name the files of mutual TLS") {
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::Parse(R"({
      "cluster": {"ps": ["a:1"]},
      "tls": {"certificate": "/c/node.pem", "key": "k.pem", "ca": "ca.pem"}})");
    REQUIRE(spec.ok());
    REQUIRE(spec->tls().has_value());
    CHECK(*spec->tls() == TlsFiles{"/c/node.pem", "k.pem", "ca.pem"});
    absl::StatusOr<ClusterSpec> back = ClusterSpec::Parse(spec->ToJson());
    REQUIRE(back.ok());
    CHECK(*back == *spec);

    absl::StatusOr<ClusterSpec> plain =
        ClusterSpec::Parse(R"({"cluster": {"ps": ["a:1"]}})");
    REQUIRE(plain.ok());
    CHECK_FALSE(plain->tls().has_value());
    CHECK(*plain != *spec);
  }

  TEST_CASE("A bad tls section is refused, naming the fault") {
    auto parse = [](const std::string& tls) {
      return ClusterSpec::Parse(R"({"cluster": {"ps": ["a:1"]}, "tls": )" +
                                tls + "}");
    };
    CHECK_ERROR(parse("[]"), kInvalid, "\"tls\" must be an object");
    CHECK_ERROR(parse(R"({"certificate": "c", "key": "k"})"), kInvalid,
                "\"tls\" lacks \"ca\"");
    CHECK_ERROR(parse(R"({"certificate": "c", "key": "k", "ca": ""})"),
                kInvalid, "\"tls\".\"ca\" must be a non-empty path");
    CHECK_ERROR(parse(R"({"certificate": 1, "key": "k", "ca": "a"})"), kInvalid,
                "\"tls\".\"certificate\" must be a non-empty path, got 1");
    CHECK_ERROR(
        parse(R"({"certificate": "c", "key": "k", "ca": "a", "pass": "x"})"),
        kInvalid, "unknown key \"pass\" in \"tls\"");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["a:1"], "tls": {}})"), kInvalid,
                "needs the wrapped form");
  }

  TEST_CASE("ToJson does not throw for a TLS path that is not UTF-8") {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() /
        absl::StrCat("troupe_spec_\xff_", getpid());
    REQUIRE(std::filesystem::create_directory(dir));
    const std::string path = (dir / "spec.json").string();
    {
      TempFile content(
          R"({"cluster": {"ps": ["a:1"]}, "tls": {"certificate": "c.pem", )"
          R"("key": "k.pem", "ca": "ca.pem"}})");
      std::filesystem::copy_file(content.path(), path);
    }
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::LoadFile(path);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    REQUIRE(spec.ok());
    std::string json;
    REQUIRE_NOTHROW(json = spec->ToJson());
    CHECK(absl::StrContains(json, "troupe_spec_\xEF\xBF\xBD_"));
    CHECK(ClusterSpec::Parse(json).ok());
  }

  TEST_CASE("A wrapped spec may set the heartbeat timeout") {
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::Parse(
        R"({"cluster": {"ps": ["a:1"]}, "heartbeat_timeout": "1.5s"})");
    REQUIRE(spec.ok());
    REQUIRE(spec->heartbeat_timeout().has_value());
    CHECK(*spec->heartbeat_timeout() == absl::Milliseconds(1500));
    absl::StatusOr<ClusterSpec> back = ClusterSpec::Parse(spec->ToJson());
    REQUIRE(back.ok());
    CHECK(*back == *spec);
    CHECK_FALSE(ClusterSpec::Parse(R"({"cluster": {"ps": ["a:1"]}})")
                    ->heartbeat_timeout()
                    .has_value());
    for (const char* bad : {"\"4\"", "4", "\"5ms\"", "\"2h\"", "\"-1s\""}) {
      CHECK_ERROR(ClusterSpec::Parse(absl::StrCat(
                      R"({"cluster": {"ps": ["a:1"]}, "heartbeat_timeout": )",
                      bad, "}")),
                  kInvalid, "\"heartbeat_timeout\" must be a duration");
    }
  }

  TEST_CASE("LoadFile takes relative TLS paths from the spec's directory") {
    TempFile file(R"({"cluster": {"ps": ["a:1"]},
      "tls": {"certificate": "node.pem", "key": "/k/node.key", "ca": "ca.pem"}})");
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::LoadFile(file.path());
    REQUIRE(spec.ok());
    REQUIRE(spec->tls().has_value());
    const std::string dir =
        std::filesystem::path(file.path()).parent_path().string();
    CHECK(spec->tls()->certificate == dir + "/node.pem");
    CHECK(spec->tls()->key == "/k/node.key");
    CHECK(spec->tls()->ca == dir + "/ca.pem");
  }

  // -- ClusterSpec::LoadFile ------------------------------------------------

  TEST_CASE("LoadFile reads a cluster spec file") {
    TempFile file(R"({"cluster": {"ps": ["localhost:2222"],
                                  "worker": ["localhost:2223"]}})");
    absl::StatusOr<ClusterSpec> spec = ClusterSpec::LoadFile(file.path());
    REQUIRE(spec.ok());
    CHECK(spec->Tasks() == std::vector<TaskId>{{"ps", 0}, {"worker", 0}});
    CHECK(spec->Address({"worker", 0}).value_or(TaskAddress{}) ==
          Addr("localhost", 2223));
  }

  TEST_CASE("LoadFile starts every error with the path") {
    {
      TempFile file("{\"ps\": [\"h:1\"]\n,,}");
      CHECK_ERROR(ClusterSpec::LoadFile(file.path()), kInvalid,
                  "cluster spec " + file.path() + ": invalid JSON at line 2");
    }
    {
      TempFile file(R"({"ps": ["h:1"], "worker": ["h:1"]})");
      CHECK_ERROR(ClusterSpec::LoadFile(file.path()), kInvalid,
                  "cluster spec " + file.path() + ": tasks /job:ps/task:0");
    }
    {
      TempFile file("");
      CHECK_ERROR(ClusterSpec::LoadFile(file.path()), kInvalid,
                  "cluster spec " + file.path() + ": invalid JSON");
    }
  }

  TEST_CASE("A spec nested deeper than 64 levels is refused, not built") {
    auto spec_with_address = [](int depth) {
      return absl::StrCat(R"({"cluster": {"ps": [)", std::string(depth, '['),
                          std::string(depth, ']'), "]}}");
    };
    // The address is the 4th level; 64 levels in all are still read.
    CHECK_ERROR(ClusterSpec::Parse(spec_with_address(61)), kInvalid,
                "task /job:ps/task:0 has a non-string address an array of 1 "
                "elements");
    CHECK_ERROR(ClusterSpec::Parse(spec_with_address(62)), kInvalid,
                "Invalid cluster spec: JSON nested deeper than 64 levels");
    CHECK_ERROR(ParseTfConfig(spec_with_address(100)), kInvalid,
                "Invalid TF_CONFIG: JSON nested deeper than 64 levels");
    TempFile file(spec_with_address(60000));
    CHECK_ERROR(
        ClusterSpec::LoadFile(file.path()), kInvalid,
        "cluster spec " + file.path() + ": JSON nested deeper than 64 levels");
    std::string deep_objects = R"({"cluster": {"ps": )";
    for (int i = 0; i < 60000; ++i) deep_objects += R"({"a": )";
    TempFile objects(deep_objects + "1" + std::string(60002, '}'));
    CHECK_ERROR(ClusterSpec::LoadFile(objects.path()), kInvalid,
                "JSON nested deeper than 64 levels");
  }

  TEST_CASE("Messages quote bad input escaped and at most 40 bytes of it") {
    const std::string long_host(100000, 'h');
    absl::Status status =
        ClusterSpec::Parse(absl::StrCat(R"({"ps": [")", long_host, R"("]})"))
            .status();
    CHECK(status.message() ==
          absl::StrCat("Invalid cluster spec: task /job:ps/task:0 has an "
                       "invalid address '",
                       std::string(40, 'h'),
                       "...': missing port; expected HOST:PORT or "
                       "[IPV6]:PORT"));
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": ["h\u0001\u00e9:1"]})"), kInvalid,
                R"(invalid address 'h\u0001\u00e9:1')");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": [[1, 2, 3]]})"), kInvalid,
                "non-string address an array of 3 elements");
    CHECK_ERROR(ClusterSpec::Parse(R"({"ps": [{"a": 1}]})"), kInvalid,
                "non-string address an object of 1 keys");
    status = ClusterSpec::Parse(
                 absl::StrCat(R"({"a\u0000)", long_host, R"(": ["h:1"]})"))
                 .status();
    INFO(status.ToString());
    CHECK(status.message().size() < 200);
    CHECK(
        absl::StrContains(status.message(), R"(invalid job name 'a\u0000hhh)"));
    status = ClusterSpec::Parse("{\"ps\": [\"" + std::string(100000, 'x') +
                                "\x01\"]}")
                 .status();
    CHECK(status.code() == kInvalid);
    CHECK(status.message().size() < 400);
  }

  TEST_CASE("LoadFile is NOT_FOUND for a missing file") {
    // A file in a directory that does not exist, so nothing needs removing.
    const std::string path =
        (std::filesystem::temp_directory_path() /
         ("troupe_no_such_dir_" + std::to_string(getpid())) / "spec.json")
            .string();
    REQUIRE_FALSE(std::filesystem::exists(path));
    CHECK_ERROR(ClusterSpec::LoadFile(path), kNotFound,
                "cluster spec " + path + ": cannot open",
                "No such file or directory");
  }

  TEST_CASE("LoadFile is INVALID_ARGUMENT for a directory") {
    const std::string dir = std::filesystem::temp_directory_path().string();
    CHECK_ERROR(ClusterSpec::LoadFile(dir), kInvalid,
                "cluster spec " + dir + ": cannot read", "Is a directory");
  }

  // -- TF_CONFIG ------------------------------------------------------------

  TEST_CASE("ParseTfConfig reads the cluster and the task") {
    absl::StatusOr<TfConfig> config = ParseTfConfig(R"({
      "cluster": {"chief": ["h:1"], "worker": ["h:2", "h:3"]},
      "task": {"type": "worker", "index": 1},
      "environment": "cloud"})");
    REQUIRE(config.ok());
    REQUIRE(config->task.has_value());
    CHECK(*config->task == TaskId{"worker", 1});
    CHECK(config->cluster.Address(*config->task).value_or(TaskAddress{}) ==
          Addr("h", 3));
    CHECK(config->cluster.Tasks().size() == 3);
  }

  TEST_CASE(
      "ParseTfConfig accepts a missing task, a missing index, a string "
      "index") {
    absl::StatusOr<TfConfig> no_task =
        ParseTfConfig(R"({"cluster": {"ps": ["h:1"]}})");
    REQUIRE(no_task.ok());
    CHECK_FALSE(no_task->task.has_value());

    absl::StatusOr<TfConfig> empty_task =
        ParseTfConfig(R"({"cluster": {"ps": ["h:1"]}, "task": {}})");
    REQUIRE(empty_task.ok());
    CHECK_FALSE(empty_task->task.has_value());

    absl::StatusOr<TfConfig> no_index = ParseTfConfig(
        R"({"cluster": {"ps": ["h:1"]}, "task": {"type": "ps"}})");
    REQUIRE(no_index.ok());
    CHECK(no_index->task == TaskId{"ps", 0});

    absl::StatusOr<TfConfig> string_index = ParseTfConfig(
        R"({"cluster": {"w": {"2": "h:1"}}, "task": {"type": "w", "index": "2"}})");
    REQUIRE(string_index.ok());
    CHECK(string_index->task == TaskId{"w", 2});
  }

  TEST_CASE("ParseTfConfig rejects a task that is not in the cluster") {
    CHECK_ERROR(
        ParseTfConfig(R"({"cluster": {"ps": ["h:1"], "worker": ["h:2"]},
                          "task": {"type": "worker", "index": 1}})"),
        kInvalid, "Invalid TF_CONFIG: ",
        "task /job:worker/task:1 is not in the cluster (jobs: ps, worker)");
    CHECK_ERROR(ParseTfConfig(R"({"cluster": {"ps": ["h:1"]},
                                  "task": {"type": "evaluator", "index": 0}})"),
                kInvalid, "/job:evaluator/task:0 is not in the cluster");
  }

  TEST_CASE("ParseTfConfig rejects a malformed TF_CONFIG") {
    CHECK_ERROR(ParseTfConfig(R"({"ps": ["h:1"]})"), kInvalid,
                "Invalid TF_CONFIG: missing \"cluster\"");
    CHECK_ERROR(ParseTfConfig("[]"), kInvalid, "missing \"cluster\"");
    CHECK_ERROR(ParseTfConfig("{"), kInvalid,
                "Invalid TF_CONFIG: invalid JSON");
    CHECK_ERROR(
        ParseTfConfig(R"({"cluster": {"ps": ["h"]}})"), kInvalid,
        "Invalid TF_CONFIG: task /job:ps/task:0 has an invalid address");
    CHECK_ERROR(ParseTfConfig(R"({"cluster": {"ps": ["h:1"]}, "task": "ps"})"),
                kInvalid, "\"task\" must be an object");
    CHECK_ERROR(
        ParseTfConfig(R"({"cluster": {"ps": ["h:1"]}, "task": {"index": 0}})"),
        kInvalid, "needs a string \"type\"");
    CHECK_ERROR(ParseTfConfig(R"({"cluster": {"ps": ["h:1"]},
                                  "task": {"type": "ps", "index": -1}})"),
                kInvalid, "invalid \"index\" -1");
    CHECK_ERROR(ParseTfConfig(R"({"cluster": {"ps": ["h:1"]},
                                  "task": {"type": "ps", "index": 0.5}})"),
                kInvalid, "invalid \"index\" 0.5");
  }
}

}  // namespace
}  // namespace troupe
