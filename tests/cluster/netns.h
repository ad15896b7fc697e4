// A small network of hosts for the multi-host tests: Linux network namespaces
// joined through a router namespace by veth pairs, built with iproute2's `ip`.
#pragma once

#include <string>
#include <vector>

namespace troupe {
namespace testing {

// Host namespaces "troupe-net-<pid>-<n>-<host>" and a router namespace
// "troupe-net-<pid>-<n>-router". Host i (from 1) has 10.77.i.2/24 on its eth0,
// cabled by a veth pair to the router's port<i> (10.77.i.1/24), its default
// route; the router forwards between them. Every namespace has lo up. The
// destructor removes the namespaces, and with them the links; those of runs
// that ended without it (SIGINT, SIGKILL) go when the next network is built.
class HostNetwork {
 public:
  explicit HostNetwork(const std::vector<std::string>& hosts);
  ~HostNetwork();
  HostNetwork(const HostNetwork&) = delete;
  HostNetwork& operator=(const HostNetwork&) = delete;

  // False when the machine does not allow it (no `ip`, not root, no network
  // namespaces); error() says why.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // The host's IPv4 address, as "10.77.i.2".
  std::string address(const std::string& host) const;
  // `argv` (argv[0] an absolute path) run inside the host's namespace.
  std::vector<std::string> OnHost(const std::string& host,
                                  const std::vector<std::string>& argv) const;
  // Pulls the host's cable: its eth0 goes down, so the router's port loses
  // its carrier. Nothing is sent to the peers (no RST, no FIN). True if done.
  bool Unplug(const std::string& host);
  // Plugs it back in: eth0 up and the default route again.
  bool Plug(const std::string& host);

 private:
  // Runs `ip ARGS...`; on failure records it in error_ and returns false.
  bool Ip(const std::vector<std::string>& args);
  // Removes the namespaces of processes that no longer run.
  void RemoveLeftovers();
  int Index(const std::string& host) const;
  std::string Namespace(const std::string& name) const;

  std::string ip_;
  std::string prefix_;
  std::vector<std::string> hosts_;
  std::vector<std::string> created_;  // Namespaces, to remove.
  std::string error_;
};

}  // namespace testing
}  // namespace troupe
