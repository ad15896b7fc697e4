// HostNetwork: namespaces, veth cables and routes made and removed with `ip`,
// each call bounded.
#include "tests/cluster/netns.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

#include "tests/cluster/task_process.h"

namespace troupe {
namespace testing {

namespace {

const absl::Duration kIpTimeout = absl::Seconds(10);
constexpr char kPrefix[] = "troupe-net-";

// The `ip` command of iproute2, or "" if there is none.
std::string FindIp() {
  for (const char* path :
       {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
    if (access(path, X_OK) == 0) return path;
  }
  return "";
}

}  // namespace

HostNetwork::HostNetwork(const std::vector<std::string>& hosts)
    : ip_(FindIp()), hosts_(hosts) {
  static std::atomic<int> networks{0};
  prefix_ = absl::StrCat(kPrefix, getpid(), "-", networks++, "-");
  if (ip_.empty()) {
    error_ = "no `ip` command (Debian: apt-get install iproute2)";
    return;
  }
  RemoveLeftovers();
  const std::string router = Namespace("router");
  if (!Ip({"netns", "add", router})) return;
  created_.push_back(router);
  if (!Ip({"-n", router, "link", "set", "lo", "up"}) ||
      !Ip({"netns", "exec", router, "/bin/sh", "-c",
           "echo 1 > /proc/sys/net/ipv4/ip_forward"})) {
    return;
  }
  for (const std::string& host : hosts_) {
    const std::string name = Namespace(host);
    if (!Ip({"netns", "add", name})) return;
    created_.push_back(name);
    const int i = Index(host);
    const std::string port = absl::StrCat("port", i);
    const std::string gateway = absl::StrCat("10.77.", i, ".1");
    if (!Ip({"-n", name, "link", "set", "lo", "up"}) ||
        !Ip({"-n", router, "link", "add", port, "type", "veth", "peer", "name",
             "eth0", "netns", name}) ||
        !Ip({"-n", router, "addr", "add", gateway + "/24", "dev", port}) ||
        !Ip({"-n", router, "link", "set", port, "up"}) ||
        !Ip({"-n", name, "addr", "add", address(host) + "/24", "dev",
             "eth0"}) ||
        !Plug(host)) {
      return;
    }
  }
}

HostNetwork::~HostNetwork() {
  for (auto name = created_.rbegin(); name != created_.rend(); ++name) {
    RunCommand({ip_, "netns", "del", *name}, "", kIpTimeout);
  }
}

void HostNetwork::RemoveLeftovers() {
  CommandResult list = RunCommand({ip_, "netns", "list"}, "", kIpTimeout);
  for (const std::string& line : CommandResult::Lines(list.out)) {
    const std::string name = line.substr(0, line.find(' '));
    if (!absl::StartsWith(name, kPrefix)) continue;
    std::vector<std::string> parts =
        absl::StrSplit(name.substr(sizeof(kPrefix) - 1), '-');
    int pid = 0;
    if (!absl::SimpleAtoi(parts[0], &pid) || pid <= 0) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;  // Its run goes on.
    RunCommand({ip_, "netns", "del", name}, "", kIpTimeout);
  }
}

std::string HostNetwork::address(const std::string& host) const {
  return absl::StrCat("10.77.", Index(host), ".2");
}

std::vector<std::string> HostNetwork::OnHost(
    const std::string& host, const std::vector<std::string>& argv) const {
  std::vector<std::string> all = {ip_, "netns", "exec", Namespace(host)};
  all.insert(all.end(), argv.begin(), argv.end());
  return all;
}

bool HostNetwork::Unplug(const std::string& host) {
  return Ip({"-n", Namespace(host), "link", "set", "eth0", "down"});
}

bool HostNetwork::Plug(const std::string& host) {
  // Taking eth0 down removed the default route through it.
  return Ip({"-n", Namespace(host), "link", "set", "eth0", "up"}) &&
         Ip({"-n", Namespace(host), "route", "replace", "default", "via",
             absl::StrCat("10.77.", Index(host), ".1")});
}

bool HostNetwork::Ip(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {ip_};
  argv.insert(argv.end(), args.begin(), args.end());
  CommandResult result = RunCommand(argv, "", kIpTimeout);
  if (result.ok()) return true;
  error_ =
      absl::StrCat("`", absl::StrJoin(argv, " "), "` failed (",
                   result.timed_out ? "timed out" : result.FirstErrLine(), ")");
  return false;
}

int HostNetwork::Index(const std::string& host) const {
  for (size_t i = 0; i < hosts_.size(); ++i) {
    if (hosts_[i] == host) return static_cast<int>(i) + 1;
  }
  return 0;
}

std::string HostNetwork::Namespace(const std::string& name) const {
  return prefix_ + name;
}

}  // namespace testing
}  // namespace troupe
