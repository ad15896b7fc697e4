// Unit test for cluster/caf_output.h: what CAF prints on its own (here, the
// default handler's "unexpected message") goes to the log function, never to
// stdout.
#include "cluster/caf_output.h"

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/send.hpp"
#include "doctest/doctest.h"

#include "cluster/node_config.h"

namespace troupe {
namespace {

// The lines a log function received, for a test thread to wait on.
class Lines {
 public:
  void Add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(line);
    changed_.notify_all();
  }
  // The first line containing `needle` within `timeout`, or "".
  std::string WaitFor(const std::string& needle, std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::string found;
    changed_.wait_for(lock, timeout, [&] {
      for (const std::string& line : lines_) {
        if (absl::StrContains(line, needle)) found = line;
      }
      return !found.empty();
    });
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> lines_;
};

caf::behavior TakesIntegers(caf::event_based_actor*) {
  return {[](int) {}};
}

TEST_CASE("caf output: an unexpected message's line goes to the log") {
  caf::actor_system_config config;
  ConfigureNode(config, {});
  caf::actor_system system(config);
  Lines lines;
  caf::actor relay =
      RouteCafOutput(system, [&](const std::string& line) { lines.Add(line); });
  caf::actor target = system.spawn(TakesIntegers);
  caf::anon_send(target, std::string("\x1b]0;owned\x07"));
  const std::string line =
      lines.WaitFor("unexpected message", std::chrono::seconds(20));
  CHECK_MESSAGE(absl::StrContains(line, "owned"), line);
  CHECK(line.find('\n') == std::string::npos);
  caf::anon_send_exit(target, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace troupe
