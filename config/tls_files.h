// TlsFiles: the PEM files a node needs for mutual TLS with its peers.
#pragma once

#include <string>

namespace troupe {

// This node's certificate (chain), its private key, and the certificate of
// the authority that must have signed every peer's certificate.
struct TlsFiles {
  std::string certificate;
  std::string key;
  std::string ca;

  friend bool operator==(const TlsFiles& a, const TlsFiles& b) {
    return a.certificate == b.certificate && a.key == b.key && a.ca == b.ca;
  }
  friend bool operator!=(const TlsFiles& a, const TlsFiles& b) {
    return !(a == b);
  }
};

}  // namespace troupe
