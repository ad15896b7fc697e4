// Certificates for the TLS tests, made with the `openssl` command in a
// temporary directory: a CA and nodes it signed, and a stranger of another CA.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "tests/cluster/task_process.h"

namespace troupe::testing {

// Certificates made with the openssl command in a temporary directory: a CA
// and a node signed by it, a second CA and a stranger signed by that one.
class Certificates {
 public:
  Certificates() {
    ok_ = MakeCa("ca") && MakeCa("other_ca") && MakeSigned("node", "ca") &&
          MakeSigned("client", "ca") && MakeSigned("stranger", "other_ca");
  }

  bool ok() const { return ok_; }
  const std::string& failure() const { return failure_; }
  std::string Path(const std::string& file) const {
    return absl::StrCat(dir_.path(), "/", file);
  }
  // The --tls-* flags of ctl for `name`'s certificate, trusting `ca`.
  std::vector<std::string> Flags(const std::string& name,
                                 const std::string& ca) const {
    return {"--tls-certificate", Path(name + ".pem"), "--tls-key",
            Path(name + ".key"), "--tls-ca",          Path(ca + ".pem")};
  }
  // The spec's "tls" member for the node certificate.
  std::string SpecTls() const {
    return absl::StrCat(R"("tls": {"certificate": ")", Path("node.pem"),
                        R"(", "key": ")", Path("node.key"), R"(", "ca": ")",
                        Path("ca.pem"), R"("})");
  }

 private:
  bool Run(const std::vector<std::string>& argv) {
    CommandResult result = RunCommand(argv);
    if (!result.ok()) failure_ = result.Describe();
    return result.ok();
  }
  bool MakeCa(const std::string& name) {
    return Run({"/usr/bin/env", "openssl", "req", "-x509", "-newkey",
                "rsa:2048", "-nodes", "-keyout", Path(name + ".key"), "-out",
                Path(name + ".pem"), "-days", "2", "-subj", "/CN=" + name});
  }
  bool MakeSigned(const std::string& name, const std::string& ca) {
    return Run({"/usr/bin/env", "openssl", "req", "-newkey", "rsa:2048",
                "-nodes", "-keyout", Path(name + ".key"), "-out",
                Path(name + ".csr"), "-subj", "/CN=" + name}) &&
           Run({"/usr/bin/env", "openssl", "x509", "-req", "-in",
                Path(name + ".csr"), "-CA", Path(ca + ".pem"), "-CAkey",
                Path(ca + ".key"), "-CAcreateserial", "-out",
                Path(name + ".pem"), "-days", "2"});
  }

  TempDir dir_;
  std::string failure_;
  bool ok_ = false;
};

}  // namespace troupe::testing
