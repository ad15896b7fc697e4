// Unit tests for cli/ctl_watch.h: the screen `troupe ctl watch` draws.
#include "cli/ctl_watch.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "doctest/doctest.h"

namespace troupe::cli {
namespace {

TaskStats Task(int64_t size, int64_t enqueued, uint64_t bytes_in) {
  TaskStats task;
  task.device = "/job:ps/task:0";
  task.status.incarnation = 7;
  task.status.uptime_ms = 2500;
  task.status.connections = 3;
  task.status.resident_bytes = 12 << 20;
  task.status.bytes_in = bytes_in;
  ResourceInfo queue;
  queue.name = "q";
  queue.spec.capacity = 10;
  queue.size = size;
  queue.enqueued_total = enqueued;
  ResourceInfo variable;
  variable.container = "c";
  variable.name = "v";
  variable.is_variable = true;
  variable.initialized = true;
  variable.bytes_held = 2048;
  task.resources = {queue, variable};
  return task;
}

TEST_CASE("watch: the first screen shows fills, no rates yet") {
  const std::string screen =
      RenderWatch({Task(5, 5, 100)}, {}, absl::ZeroDuration(), 200);
  INFO(screen);
  CHECK(absl::StartsWith(screen, "troupe ctl watch: 1 task, q quits\n"));
  CHECK(absl::StrContains(screen,
                          "/job:ps/task:0 up 2.5s, 3 connections, 12.0 MiB "
                          "resident, in -/s, out -/s\n"));
  CHECK(absl::StrContains(screen, "5/10 [##########..........] in -/s"));
  CHECK(absl::StrContains(screen, "variable c/v"));
  CHECK(absl::StrContains(screen, "2.0 KiB"));
}

TEST_CASE("watch: later screens show rates over the time between them") {
  const std::string screen = RenderWatch({Task(7, 15, 4196)}, {Task(5, 5, 100)},
                                         absl::Seconds(2), 200);
  INFO(screen);
  CHECK(absl::StrContains(screen, "in 2.0 KiB/s"));
  CHECK(absl::StrContains(screen, "7/10 [##############......] in 5.0/s"));
}

TEST_CASE("watch: a restarted task gets no rates, and a down task says why") {
  TaskStats restarted = Task(1, 1, 10);
  restarted.status.incarnation = 8;
  TaskStats down;
  down.device = "/job:worker/task:0";
  down.up = absl::UnavailableError("Cannot connect");
  const std::string screen =
      RenderWatch({restarted, down}, {Task(5, 5, 100)}, absl::Seconds(1), 200);
  INFO(screen);
  CHECK(absl::StrContains(screen, "1/10 [##..................] in -/s"));
  CHECK(absl::StrContains(
      screen, "/job:worker/task:0 DOWN: UNAVAILABLE: Cannot connect\n"));
}

TEST_CASE("watch: lines are cut to the terminal's width") {
  const std::string screen =
      RenderWatch({Task(5, 5, 100)}, {}, absl::ZeroDuration(), 30);
  for (absl::string_view line : absl::StrSplit(screen, '\n')) {
    CHECK(line.size() <= 30);
  }
}

}  // namespace
}  // namespace troupe::cli
