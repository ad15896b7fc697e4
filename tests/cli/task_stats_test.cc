// Unit tests for cli/task_stats.h: the JSON and the Prometheus text that
// `troupe ctl stats` prints.
#include "cli/task_stats.h"

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "doctest/doctest.h"

namespace troupe::cli {
namespace {

std::vector<TaskStats> SampleTasks() {
  TaskStats up;
  up.device = "/job:ps/task:0";
  up.address = "127.0.0.1:2222";
  up.status.uptime_ms = 1500;
  up.status.connections = 2;
  up.status.resident_bytes = 4096;
  up.status.bytes_in = 100;
  up.status.frames_in = 3;
  ResourceInfo queue;
  queue.container = "c\"x\\y";
  queue.name = "q";
  queue.spec.capacity = 10;
  queue.size = 2;
  queue.enqueued_total = 5;
  queue.dequeued_total = 3;
  queue.bytes_held = 16;
  ResourceInfo variable;
  variable.name = "v";
  variable.is_variable = true;
  variable.initialized = true;
  variable.bytes_held = 8;
  ResourceInfo reader;
  reader.name = "r";
  reader.reader_kind = "TextLineReader";
  reader.records_produced = 7;
  up.resources = {queue, variable, reader};
  TaskStats down;
  down.device = "/job:worker/task:0";
  down.address = "127.0.0.1:2223";
  down.up = absl::UnavailableError("Cannot connect");
  return {up, down};
}

TEST_CASE("stats as JSON: a task's counters and each resource's") {
  nlohmann::json stats = StatsToJson(SampleTasks());
  REQUIRE(stats["tasks"].size() == 2);
  const nlohmann::json& up = stats["tasks"][0];
  CHECK(up["uptime_s"] == 1.5);
  CHECK(up["connections"] == 2);
  CHECK(up["frames_in"] == 3);
  REQUIRE(up["resources"].size() == 3);
  CHECK(up["resources"][0]["kind"] == "FIFOQueue");
  CHECK(up["resources"][0]["enqueued_total"] == 5);
  CHECK(up["resources"][0]["dequeued_total"] == 3);
  CHECK(up["resources"][0]["bytes_held"] == 16);
  CHECK(up["resources"][1]["kind"] == "Variable");
  CHECK(up["resources"][1]["bytes_held"] == 8);
  CHECK(up["resources"][2]["records_produced"] == 7);
  const nlohmann::json& down = stats["tasks"][1];
  CHECK(down["up"] == false);
  CHECK(down["error"] == "UNAVAILABLE: Cannot connect");
  CHECK_FALSE(down.contains("resources"));
}

TEST_CASE("stats for Prometheus: the text exposition format") {
  const std::string text = StatsToPrometheus(SampleTasks());
  INFO(text);
  // Every line is a comment of a family or a sample: NAME{LABELS} VALUE.
  const std::regex sample(
      R"re(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_]+="([^"\\\n]|\\["\\n])*"(,[a-zA-Z_]+="([^"\\\n]|\\["\\n])*")*\})? -?[0-9.e+]+)re");
  const std::regex help(R"re(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+)re");
  const std::regex type(
      R"re(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter))re");
  std::istringstream lines(text);
  std::string line;
  std::set<std::string> families;
  std::string current;
  int samples = 0;
  while (std::getline(lines, line)) {
    std::smatch match;
    if (std::regex_match(line, match, help)) {
      // One family's lines are together: its name is new.
      CHECK(families.insert(match[1]).second);
      current = match[1];
    } else if (std::regex_match(line, match, type)) {
      CHECK(match[1] == current);
      if (match[2] == "counter") CHECK(absl::EndsWith(current, "_total"));
    } else {
      REQUIRE_MESSAGE(std::regex_match(line, match, sample), line);
      CHECK(match[1] == current);
      ++samples;
    }
  }
  CHECK(samples > 20);
  CHECK(absl::StrContains(
      text,
      "troupe_queue_size{task=\"/job:ps/task:0\",container=\"c\\\"x\\\\y\","
      "queue=\"q\"} 2\n"));
  CHECK(absl::StrContains(text,
                          "troupe_task_up{task=\"/job:worker/task:0\"} 0\n"));
  CHECK(absl::StrContains(
      text, "troupe_task_uptime_seconds{task=\"/job:ps/task:0\"} 1.5\n"));
  CHECK(absl::StrContains(
      text,
      "troupe_variable_bytes{task=\"/job:ps/task:0\",container=\"\","
      "variable=\"v\"} 8\n"));
  CHECK(absl::StrContains(text,
                          "troupe_reader_records_produced_total{task=\"/job:"
                          "ps/task:0\",container=\"\",reader=\"r\"} 7\n"));
  // A task that is down has no other metric.
  CHECK_FALSE(absl::StrContains(
      text, "troupe_task_connections{task=\"/job:worker/task:0\"}"));
}

}  // namespace
}  // namespace troupe::cli
