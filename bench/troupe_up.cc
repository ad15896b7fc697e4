#include "bench/troupe_up.h"

#include <signal.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include "support/process_gone.h"

namespace troupe::bench {

namespace {

using std::chrono::milliseconds;

constexpr char kStarted[] = "[up] started /job:ps/task:0 (pid ";
constexpr char kRestarted[] = "[up] restarted /job:ps/task:0 (restart ";
constexpr char kServing[] = "[ps:0] troupe task /job:ps/task:0 serving on";
// How long a killed task may take to be gone.
constexpr milliseconds kGoneTimeout{10000};

}  // namespace

absl::StatusOr<std::unique_ptr<TroupeUp>> TroupeUp::Start(
    const std::string& troupe_binary, const std::string& work_dir,
    const std::vector<std::string>& flags, milliseconds timeout) {
  auto spec = WriteOneTaskSpec(work_dir, "up");
  if (!spec.ok()) return spec.status();
  std::unique_ptr<TroupeUp> up(new TroupeUp());
  up->target_ = spec->target;
  up->spec_path_ = spec->path;
  std::vector<std::string> argv = {troupe_binary, "up", "--cluster",
                                   up->spec_path_};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto child = Child::Spawn(argv);
  if (!child.ok()) return child.status();
  up->up_ = std::move(*child);
  up->reader_ = std::thread([raw = up.get()] { raw->Collect(); });
  auto serving = up->Await(kServing, 0, timeout);
  if (!serving.ok()) return serving.status();
  return up;
}

TroupeUp::~TroupeUp() {
  if (!reader_.joinable()) {
    unlink(spec_path_.c_str());
    return;
  }
  const pid_t task = task_pid();
  // A signal, not Child::Stop: the reader thread still reads up's output.
  kill(up_->pid(), SIGKILL);
  stopping_ = true;
  reader_.join();
  up_->Stop(SIGKILL, kGoneTimeout);
  if (task > 0) {
    RetryUntil([&] { return support::ProcessGone(task, spec_path_); },
               milliseconds(1),
               std::chrono::steady_clock::now() + kGoneTimeout);
  }
  unlink(spec_path_.c_str());
}

void TroupeUp::Collect() {
  while (!stopping_) {
    auto line = up_->ReadLine(milliseconds(100));
    const int64_t now = NowNs();
    if (absl::IsDeadlineExceeded(line.status())) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (!line.ok()) {
      ended_ = true;
      arrived_.notify_all();
      return;
    }
    lines_.push_back({now, *line});
    arrived_.notify_all();
  }
}

pid_t TroupeUp::task_pid() const {
  std::lock_guard<std::mutex> lock(mutex_);
  pid_t pid = -1;
  for (const Line& line : lines_) {
    size_t at = std::string::npos;
    if (absl::StartsWith(line.text, kStarted)) {
      at = sizeof(kStarted) - 1;
    } else if (absl::StartsWith(line.text, kRestarted)) {
      at = line.text.find("pid ");
      if (at != std::string::npos) at += 4;
    }
    if (at == std::string::npos) continue;
    const size_t end = line.text.find_first_not_of("0123456789", at);
    int value = -1;
    if (absl::SimpleAtoi(line.text.substr(at, end - at), &value)) pid = value;
  }
  return pid;
}

size_t TroupeUp::lines() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lines_.size();
}

absl::StatusOr<TroupeUp::Line> TroupeUp::Await(const std::string& prefix,
                                               size_t from,
                                               milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mutex_);
  for (size_t next = from;; ++next) {
    while (next >= lines_.size()) {
      if (ended_) {
        return absl::UnavailableError(
            absl::StrCat("troupe up ended before '", prefix, "'"));
      }
      if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout &&
          next >= lines_.size()) {
        return absl::DeadlineExceededError(
            absl::StrCat("troupe up printed no '", prefix, "' in time"));
      }
    }
    if (absl::StartsWith(lines_[next].text, prefix)) return lines_[next];
  }
}

}  // namespace troupe::bench
