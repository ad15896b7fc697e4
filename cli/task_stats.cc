#include "cli/task_stats.h"

#include <cstdint>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"

#include "serialization/queue_spec.h"

namespace troupe::cli {

using nlohmann::json;

namespace {

enum class Kind { kQueue, kVariable, kReader, kRunner };

Kind KindOf(const ResourceInfo& info) {
  if (info.is_variable) return Kind::kVariable;
  if (!info.reader_kind.empty()) return Kind::kReader;
  if (!info.runner_state.empty()) return Kind::kRunner;
  return Kind::kQueue;
}

json ResourceToJson(const ResourceInfo& info) {
  json entry{{"container", info.container}, {"name", info.name}};
  switch (KindOf(info)) {
    case Kind::kVariable:
      entry["kind"] = "Variable";
      entry["initialized"] = info.initialized;
      entry["bytes_held"] = info.bytes_held;
      break;
    case Kind::kReader:
      entry["kind"] = info.reader_kind;
      entry["records_produced"] = info.records_produced;
      entry["work_units_completed"] = info.work_units_completed;
      entry["records_skipped"] = info.records_skipped;
      break;
    case Kind::kRunner:
      entry["kind"] = "QueueRunner";
      entry["state"] = info.runner_state;
      entry["target"] = info.runner_target;
      entry["steps"] = info.runner_steps;
      break;
    case Kind::kQueue:
      entry["kind"] = QueueKindName(info.spec.kind);
      entry["size"] = info.size;
      entry["capacity"] = info.spec.capacity;
      entry["closed"] = info.closed;
      entry["enqueued_total"] = info.enqueued_total;
      entry["dequeued_total"] = info.dequeued_total;
      entry["waiting_enqueues"] = info.waiting_enqueues;
      entry["waiting_dequeues"] = info.waiting_dequeues;
      entry["bytes_held"] = info.bytes_held;
      break;
  }
  return entry;
}

// A label value as the exposition format quotes it.
std::string EscapeLabel(const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

// The metric families in the order they are first added, each with its
// samples.
class Exposition {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;

  void Add(const std::string& name, const char* type, const char* help,
           const Labels& labels, const std::string& value) {
    auto [at, added] = index_.emplace(name, families_.size());
    if (added) {
      families_.push_back(
          Family{absl::StrCat("# HELP ", name, " ", help, "\n# TYPE ", name,
                              " ", type, "\n"),
                 ""});
    }
    std::string sample = name;
    for (size_t i = 0; i < labels.size(); ++i) {
      absl::StrAppend(&sample, i == 0 ? "{" : ",", labels[i].first, "=\"",
                      EscapeLabel(labels[i].second), "\"");
    }
    absl::StrAppend(&sample, labels.empty() ? "" : "}", " ", value, "\n");
    families_[at->second].samples += sample;
  }
  void Add(const std::string& name, const char* type, const char* help,
           const Labels& labels, int64_t value) {
    Add(name, type, help, labels, absl::StrCat(value));
  }

  std::string Text() const {
    std::string text;
    for (const Family& family : families_) {
      absl::StrAppend(&text, family.header, family.samples);
    }
    return text;
  }

 private:
  struct Family {
    std::string header;
    std::string samples;
  };
  std::map<std::string, size_t> index_;
  std::vector<Family> families_;
};

// A metric of one kind of thing (a task's status, a queue, ...): its family
// and how to read its value.
template <class Of>
struct Metric {
  const char* name;
  const char* type;
  const char* help;
  int64_t (*value)(const Of&);
};

const Metric<TaskStatus> kTaskMetrics[] = {
    {"troupe_task_connections", "gauge", "Wire connections open to the task.",
     [](const TaskStatus& s) { return s.connections; }},
    {"troupe_task_resident_bytes", "gauge",
     "The task process's resident memory (-1: unknown).",
     [](const TaskStatus& s) { return s.resident_bytes; }},
    {"troupe_task_received_bytes_total", "counter",
     "Bytes the task received on its wire.",
     [](const TaskStatus& s) { return static_cast<int64_t>(s.bytes_in); }},
    {"troupe_task_sent_bytes_total", "counter",
     "Bytes the task sent on its wire.",
     [](const TaskStatus& s) { return static_cast<int64_t>(s.bytes_out); }},
    {"troupe_task_received_frames_total", "counter",
     "Frames the task received on its wire.",
     [](const TaskStatus& s) { return static_cast<int64_t>(s.frames_in); }},
    {"troupe_task_sent_frames_total", "counter",
     "Frames the task sent on its wire.",
     [](const TaskStatus& s) { return static_cast<int64_t>(s.frames_out); }},
};

const Metric<ResourceInfo> kQueueMetrics[] = {
    {"troupe_queue_size", "gauge", "Elements in the queue.",
     [](const ResourceInfo& r) { return r.size; }},
    {"troupe_queue_capacity", "gauge", "The queue's capacity.",
     [](const ResourceInfo& r) { return int64_t{r.spec.capacity}; }},
    {"troupe_queue_closed", "gauge", "1 once the queue is closed.",
     [](const ResourceInfo& r) { return int64_t{r.closed}; }},
    {"troupe_queue_enqueued_total", "counter",
     "Elements that entered the queue.",
     [](const ResourceInfo& r) { return r.enqueued_total; }},
    {"troupe_queue_dequeued_total", "counter",
     "Elements that left the queue to dequeues.",
     [](const ResourceInfo& r) { return r.dequeued_total; }},
    {"troupe_queue_waiting_enqueues", "gauge",
     "Enqueue operations waiting for room.",
     [](const ResourceInfo& r) { return r.waiting_enqueues; }},
    {"troupe_queue_waiting_dequeues", "gauge",
     "Dequeue operations waiting for elements.",
     [](const ResourceInfo& r) { return r.waiting_dequeues; }},
    {"troupe_queue_bytes", "gauge", "Bytes of the tensors the queue holds.",
     [](const ResourceInfo& r) { return r.bytes_held; }},
};

const Metric<ResourceInfo> kVariableMetrics[] = {
    {"troupe_variable_initialized", "gauge",
     "1 once the variable was assigned.",
     [](const ResourceInfo& r) { return int64_t{r.initialized}; }},
    {"troupe_variable_bytes", "gauge", "Bytes of the variable's value.",
     [](const ResourceInfo& r) { return r.bytes_held; }},
};

const Metric<ResourceInfo> kReaderMetrics[] = {
    {"troupe_reader_records_produced_total", "counter",
     "Records the reader produced.",
     [](const ResourceInfo& r) { return r.records_produced; }},
    {"troupe_reader_work_units_completed_total", "counter",
     "Work units (files) the reader finished.",
     [](const ResourceInfo& r) { return r.work_units_completed; }},
    {"troupe_reader_records_skipped_total", "counter",
     "Corrupt records the reader skipped.",
     [](const ResourceInfo& r) { return r.records_skipped; }},
};

const Metric<ResourceInfo> kRunnerMetrics[] = {
    {"troupe_runner_steps_total", "counter",
     "Elements (or batches) the queue runner enqueued into its target.",
     [](const ResourceInfo& r) { return r.runner_steps; }},
    {"troupe_runner_running", "gauge", "1 while the queue runner runs.",
     [](const ResourceInfo& r) {
       return int64_t{r.runner_state == "running"};
     }},
    {"troupe_runner_failed", "gauge", "1 once the queue runner failed.",
     [](const ResourceInfo& r) { return int64_t{r.runner_state == "failed"}; }},
};

template <class Of, size_t N>
void AddEach(const Metric<Of> (&metrics)[N], const Of& of,
             const Exposition::Labels& labels, Exposition& out) {
  for (const Metric<Of>& metric : metrics) {
    out.Add(metric.name, metric.type, metric.help, labels, metric.value(of));
  }
}

void AddTask(const TaskStats& task, Exposition& out) {
  const Exposition::Labels labels = {{"task", task.device}};
  out.Add("troupe_task_up", "gauge", "1 when the task answered, else 0.",
          labels, task.up.ok() ? 1 : 0);
  if (!task.up.ok()) return;
  out.Add("troupe_task_uptime_seconds", "gauge",
          "Seconds since this incarnation of the task started.", labels,
          absl::StrCat(static_cast<double>(task.status.uptime_ms) / 1000));
  AddEach(kTaskMetrics, task.status, labels, out);
}

void AddResource(const std::string& device, const ResourceInfo& info,
                 Exposition& out) {
  switch (KindOf(info)) {
    case Kind::kVariable:
      return AddEach(kVariableMetrics, info,
                     {{"task", device},
                      {"container", info.container},
                      {"variable", info.name}},
                     out);
    case Kind::kReader:
      return AddEach(kReaderMetrics, info,
                     {{"task", device},
                      {"container", info.container},
                      {"reader", info.name}},
                     out);
    case Kind::kRunner:
      return AddEach(kRunnerMetrics, info,
                     {{"task", device},
                      {"container", info.container},
                      {"runner", info.name}},
                     out);
    case Kind::kQueue:
      return AddEach(kQueueMetrics, info,
                     {{"task", device},
                      {"container", info.container},
                      {"queue", info.name}},
                     out);
  }
}

}  // namespace

TaskStats AskTaskStats(Session& session, const std::string& device) {
  TaskStats task;
  absl::StatusOr<TaskStatus> status = session.status(device);
  absl::StatusOr<std::vector<ResourceInfo>> resources =
      status.ok() ? session.list(device) : status.status();
  task.up = resources.status();
  if (resources.ok()) {
    task.status = *std::move(status);
    task.resources = *std::move(resources);
  }
  return task;
}

json StatsToJson(const std::vector<TaskStats>& tasks) {
  json entries = json::array();
  for (const TaskStats& task : tasks) {
    json entry{{"device", task.device},
               {"address", task.address},
               {"up", task.up.ok()}};
    if (!task.up.ok()) {
      entry["error"] = task.up.ToString();
      entries.push_back(std::move(entry));
      continue;
    }
    const TaskStatus& s = task.status;
    entry["uptime_s"] = static_cast<double>(s.uptime_ms) / 1000;
    entry["connections"] = s.connections;
    entry["resident_bytes"] = s.resident_bytes;
    entry["bytes_in"] = s.bytes_in;
    entry["bytes_out"] = s.bytes_out;
    entry["frames_in"] = s.frames_in;
    entry["frames_out"] = s.frames_out;
    entry["shared_bytes_in"] = s.shared_bytes_in;
    entry["shared_bytes_out"] = s.shared_bytes_out;
    json resources = json::array();
    for (const ResourceInfo& info : task.resources) {
      resources.push_back(ResourceToJson(info));
    }
    entry["resources"] = std::move(resources);
    entries.push_back(std::move(entry));
  }
  return json{{"tasks", std::move(entries)}};
}

std::string StatsToPrometheus(const std::vector<TaskStats>& tasks) {
  Exposition out;
  for (const TaskStats& task : tasks) AddTask(task, out);
  for (const TaskStats& task : tasks) {
    if (!task.up.ok()) continue;
    for (const ResourceInfo& info : task.resources) {
      AddResource(task.device, info, out);
    }
  }
  return out.Text();
}

}  // namespace troupe::cli
