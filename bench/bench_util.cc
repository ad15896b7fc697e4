#include "bench/bench_util.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

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

absl::StatusOr<std::unique_ptr<TroupeTask>> TroupeTask::Start(
    const std::string& troupe_binary, const std::string& work_dir) {
  const std::vector<uint16_t> ports = support::FreePorts(1);
  if (ports.empty()) return absl::InternalError("no free loopback port");
  std::unique_ptr<TroupeTask> task(new TroupeTask());
  task->target_ = absl::StrCat("127.0.0.1:", ports[0]);
  task->spec_path_ = absl::StrCat(work_dir, "/cluster-", ports[0], ".json");
  {
    std::ofstream spec(task->spec_path_);
    spec << "{\"cluster\": {\"ps\": [\"" << task->target_ << "\"]}}\n";
    if (!spec) return absl::InternalError("cannot write the cluster spec");
  }
  auto child = Child::Spawn({troupe_binary, "task", "--cluster",
                             task->spec_path_, "--job", "ps", "--task", "0"});
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

std::string SelfPath() {
  char path[4096];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  path[n] = '\0';
  return path;
}

}  // namespace troupe::bench
