// Mutual TLS between real task processes and clients: a CA and certificates
// made with the `openssl` command; peers with a certificate the CA signed are
// served, plaintext clients and strangers are refused, and the task serves on.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "doctest/doctest.h"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "tests/cluster/certificates.h"
#include "tests/cluster/ctl_expect.h"
#include "tests/cluster/session_expect.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using testing::Certificates;
using testing::CommandResult;
using testing::CtlFails;
using testing::CtlJson;
using testing::LocalCluster;

std::vector<std::string> Concat(std::vector<std::string> a,
                                const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST_SUITE("cluster") {
  TEST_CASE(
      "cluster: with mutual TLS, certified peers are served and others "
      "refused") {
    Certificates certs;
    REQUIRE_MESSAGE(certs.ok(), certs.failure());
    LocalCluster cluster({{"ps", 1}, {"worker", 1}}, true, certs.SpecTls());
    REQUIRE_CLUSTER(cluster);
    CHECK(absl::StrContains(cluster.task("ps", 0)->Log(), "(mutual TLS)"));
    const std::string ps = cluster.target("ps", 0);
    const std::string worker = cluster.target("worker", 0);
    const std::vector<std::string> with_spec = {"--cluster",
                                                cluster.spec_path()};

    // The spec's own files, and a client's own certificate signed by the CA.
    CtlJson(ps, Concat(with_spec, {"queue-create", "q", "--capacity", "5",
                                   "--dtypes", "int32"}));
    CtlJson(ps, Concat(with_spec, {"enqueue", "q", "[7]"}));
    CtlJson(ps, Concat(certs.Flags("client", "ca"), {"enqueue", "q", "[8]"}));
    // Routing: the worker names ps's address; the client connects over TLS.
    CHECK(CtlJson(worker, Concat(with_spec, {"--device", "/job:ps/task:0",
                                             "size", "q"})) == 2);

    // A plaintext client, a certificate from another CA, and a client that
    // does not trust the task's CA are all refused.
    CtlFails(ps, {"size", "q"}, "UNAVAILABLE", "the task speaks TLS only");
    CtlFails(ps, Concat(certs.Flags("stranger", "other_ca"), {"size", "q"}),
             "UNAVAILABLE", "TLS handshake failed");
    CtlFails(ps, Concat(certs.Flags("client", "other_ca"), {"size", "q"}),
             "UNAVAILABLE", "Cannot connect to task");

    // The task serves on with its state intact.
    CHECK(CtlJson(ps, Concat(with_spec, {"size", "q"})) == 2);
    CHECK(CtlJson(ps, Concat(with_spec, {"dequeue", "q"})) ==
          nlohmann::json::array({7}));
  }

  TEST_CASE("cluster: a Session speaks TLS with NodeOptions::tls") {
    Certificates certs;
    REQUIRE_MESSAGE(certs.ok(), certs.failure());
    LocalCluster cluster({{"ps", 1}}, true, certs.SpecTls());
    REQUIRE_CLUSTER(cluster);

    NodeOptions options;
    options.tls = TlsFiles{certs.Path("client.pem"), certs.Path("client.key"),
                           certs.Path("ca.pem")};
    Session session(cluster.target(), options);
    QueueOptions queue;
    queue.capacity = 2;
    queue.dtypes = {DT_INT32};
    queue.shapes = {{}};
    queue.shared_name = "tls_q";
    FIFOQueue q(session, queue);
    REQUIRE_OK(q.enqueue({Tensor::Scalar<int32_t>(5)}));
    auto element = q.dequeue();
    REQUIRE_OK(element.status());
    CHECK((*element)[0] == Tensor::Scalar<int32_t>(5));

    Session plaintext(cluster.target());
    CHECK(absl::IsUnavailable(plaintext.list().status()));
  }

  TEST_CASE("cluster: unusable TLS files are refused before serving") {
    Certificates certs;
    REQUIRE_MESSAGE(certs.ok(), certs.failure());
    // The key of another certificate.
    LocalCluster cluster(
        {{"ps", 1}}, false,
        absl::StrCat(R"("tls": {"certificate": ")", certs.Path("node.pem"),
                     R"(", "key": ")", certs.Path("stranger.key"),
                     R"(", "ca": ")", certs.Path("ca.pem"), R"("})"));
    REQUIRE_CLUSTER(cluster);
    CommandResult task =
        testing::RunTroupe({"task", "--cluster", cluster.spec_path(), "--job",
                            "ps", "--task", "0"});
    CHECK(task.exit_code == 2);
    CHECK(absl::StrContains(task.err, "key values mismatch"));

    CtlFails(
        cluster.target(),
        {"--tls-certificate", certs.Path("node.pem"), "--tls-key",
         certs.Path("missing.key"), "--tls-ca", certs.Path("ca.pem"), "list"},
        "INVALID_ARGUMENT", "Cannot load the TLS key");
    CtlFails(cluster.target(),
             {"--tls-certificate", certs.Path("node.pem"), "list"},
             "INVALID_ARGUMENT", "needs all of --tls-certificate");
  }
}

}  // namespace
}  // namespace troupe
