#include "bench/bench_util.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "support/loopback.h"

namespace troupe::bench {

int64_t NowNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

double Seconds(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

double Quantile(std::vector<double> samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  double rank = std::ceil(q * static_cast<double>(samples.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return samples[std::min(index, samples.size() - 1)];
}

double Median(std::vector<double> samples) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  size_t n = samples.size();
  return n % 2 == 1 ? samples[n / 2]
                    : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

absl::StatusOr<ProcStatus> ReadProcStatus(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  if (!in) return absl::NotFoundError(absl::StrCat("no process ", pid));
  ProcStatus status;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    int64_t value = 0;
    fields >> key >> value;
    if (key == "VmRSS:") status.rss_bytes = value * 1024;  // Reported in kB.
    if (key == "VmHWM:") status.peak_rss_bytes = value * 1024;
    if (key == "Threads:") status.threads = value;
  }
  return status;
}

absl::StatusOr<std::string> ExpectLine(Child& child, const std::string& prefix,
                                       std::chrono::milliseconds timeout) {
  auto line = child.ReadLine(timeout);
  if (!line.ok()) return line.status();
  if (!absl::StartsWith(*line, prefix)) {
    return absl::InternalError(absl::StrCat("process ", child.pid(), " said '",
                                            *line, "', expected '", prefix,
                                            "'"));
  }
  return line->substr(prefix.size());
}

absl::StatusOr<OneTaskSpec> WriteOneTaskSpec(const std::string& dir,
                                             const std::string& name) {
  const std::vector<uint16_t> ports = support::FreePorts(1);
  if (ports.empty()) return absl::InternalError("no free loopback port");
  OneTaskSpec spec;
  spec.target = absl::StrCat("127.0.0.1:", ports[0]);
  spec.path = absl::StrCat(dir, "/", name, "-", ports[0], ".json");
  std::ofstream out(spec.path);
  out << "{\"cluster\": {\"ps\": [\"" << spec.target << "\"]}}\n";
  if (!out) return absl::InternalError("cannot write the cluster spec");
  return spec;
}

absl::StatusOr<std::unique_ptr<TroupeTask>> TroupeTask::Start(
    const std::string& troupe_binary, const std::string& work_dir,
    const std::vector<std::string>& flags) {
  auto spec = WriteOneTaskSpec(work_dir, "cluster");
  if (!spec.ok()) return spec.status();
  std::unique_ptr<TroupeTask> task(new TroupeTask());
  task->target_ = spec->target;
  task->spec_path_ = spec->path;
  std::vector<std::string> argv = {troupe_binary,    "task",  "--cluster",
                                   task->spec_path_, "--job", "ps",
                                   "--task",         "0"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto child = Child::Spawn(argv);
  if (!child.ok()) return child.status();
  task->child_ = std::move(*child);
  // It prints this once its port listens, so connections are accepted from
  // here on.
  auto serving = ExpectLine(*task->child_, "troupe task /job:ps/task:0 serving",
                            std::chrono::milliseconds(30000));
  if (!serving.ok()) return serving.status();
  return task;
}

TroupeTask::~TroupeTask() {
  if (child_) child_->Stop(SIGTERM, std::chrono::milliseconds(10000));
  if (!spec_path_.empty()) unlink(spec_path_.c_str());
}

bool RetryUntil(const std::function<bool()>& attempt,
                std::chrono::milliseconds interval,
                std::chrono::steady_clock::time_point deadline) {
  while (!attempt()) {
    if (std::chrono::steady_clock::now() + interval > deadline) return false;
    std::this_thread::sleep_for(interval);
  }
  return true;
}

std::vector<char> IncompressibleBytes(size_t bytes) {
  std::vector<char> out(bytes);
  uint64_t state = 0x9e3779b97f4a7c15;
  for (size_t at = 0; at < bytes; at += sizeof(state)) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    std::memcpy(out.data() + at, &state, std::min(sizeof(state), bytes - at));
  }
  return out;
}

std::string SelfPath() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  path[n] = '\0';
  return path;
}

}  // namespace troupe::bench
