#include "cli/ctl_command.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <variant>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "base/status_macros.h"
#include "cli/command_line.h"
#include "cli/ctl_watch.h"
#include "cli/flag_values.h"
#include "cli/node_flags.h"
#include "cli/runner_spec_json.h"
#include "cli/task_stats.h"
#include "cluster/queue.h"
#include "cluster/reader.h"
#include "cluster/runner.h"
#include "cluster/saver.h"
#include "cluster/session.h"
#include "cluster/variable.h"
#include "config/cluster_spec.h"
#include "formats/decode_csv.h"
#include "serialization/tensor_json.h"

namespace troupe::cli {

namespace {

using nlohmann::json;

// What `troupe ctl` is told on its command line: the global flags, anywhere
// on the line, and those of the verbs, after their verb (one verb a call,
// so they share this).
struct CtlFlags {
  std::optional<std::string> target;
  std::string device;
  std::string container;
  std::string timeout = "inf";
  std::optional<std::string> cluster;
  NodeFlags node;
  // queue-create.
  std::string queue_type = "fifo";
  std::optional<std::string> capacity;
  std::optional<std::string> dtypes;  // decode-csv's too
  std::optional<std::string> shapes;
  std::optional<std::string> min_after_dequeue;
  std::optional<std::string> seed;
  bool durable = false;
  std::optional<std::string> appendfsync;
  // close.
  bool cancel_pending_enqueues = false;
  // stats.
  std::string format = "json";
  // variable-create and assign.
  std::optional<std::string> dtype;
  std::optional<std::string> shape;
  bool no_validate_shape = false;
  // save.
  std::optional<std::string> containers;
  bool include_queues = false;
  std::optional<std::string> max_to_keep;
  // reader-create, reader-read, reader-read-up-to and tfrecord-write.
  std::string reader_type = "identity";
  std::optional<std::string> skip_header_lines;
  std::optional<std::string> record_bytes;
  std::optional<std::string> header_bytes;
  std::optional<std::string> footer_bytes;
  std::optional<std::string> hop_bytes;
  std::string compression;
  bool skip_corrupt = false;
  std::optional<std::string> queue;
  // decode-csv.
  std::optional<std::string> defaults;
  std::string field_delim = ",";
  bool no_quote_delim = false;
  std::string na_value;
  std::optional<std::string> select_cols;

  // Adds the global flags to `ctl`, read into this.
  void AddGlobalTo(CLI::App& ctl) {
    ctl.add_option("--target", target, "the task to ask")
        ->type_name("HOST:PORT");
    ctl.add_option("--device", device,
                   "the task that holds the resources, asked through the "
                   "target")
        ->type_name("/job:J/task:T");
    ctl.add_option("--container", container,
                   "the resources' container (default: the default one)")
        ->type_name("C");
    ctl.add_option("--timeout", timeout,
                   "how long a call may wait, such as 5s, 250ms or inf")
        ->type_name("D")
        ->capture_default_str();
    ctl.add_option("--cluster", cluster,
                   "the cluster spec: its \"tls\" (unless the --tls flags "
                   "are given) and \"heartbeat_timeout\"; status, stats, "
                   "watch and save cover every task of it")
        ->type_name("FILE");
    node.AddTo(ctl);
  }
};

// What one ctl command needs: the session, the global options and its own
// positional arguments (after the command name).
struct CtlContext {
  Session& session;
  const NodeOptions& options;
  const CtlFlags& flags;
  std::vector<std::string> args;
  std::string device;
  std::string container;
  absl::Duration timeout;
};

// Prints `status` as the contract says (`CODE: message` on stderr); 1.
int Fail(const absl::Status& status) {
  std::cerr << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  return 1;
}

// The text of a JSON argument given inline, as @PATH, or as - for stdin.
absl::StatusOr<std::string> ReadTextArgument(const std::string& argument) {
  std::string text;
  if (argument == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin),
                std::istreambuf_iterator<char>());
  } else if (!argument.empty() && argument[0] == '@') {
    std::ifstream file(argument.substr(1), std::ios::binary);
    if (!file) {
      return absl::NotFoundError(
          absl::StrCat("Cannot read ", argument.substr(1)));
    }
    text.assign(std::istreambuf_iterator<char>(file),
                std::istreambuf_iterator<char>());
  } else {
    text = argument;
  }
  return text;
}

// A (small) JSON argument, as ReadTextArgument reads it, as a value.
absl::StatusOr<json> ReadJsonArgument(const std::string& argument) {
  TROUPE_ASSIGN_OR_RETURN(std::string text, ReadTextArgument(argument));
  return ParseJson(text);
}

// What a command prints: a JSON value, or tensors, written element by element
// (a tuple as a list of its components, else its one tensor).
struct TensorsOutput {
  Tuple tensors;
  bool tuple = true;
};
using CtlOutput = std::variant<json, TensorsOutput>;

absl::StatusOr<std::unique_ptr<Queue>> OpenQueue(const CtlContext& ctx) {
  return Queue::Open(ctx.session, ctx.args[0], ctx.device, ctx.container);
}

absl::StatusOr<json> QueueCreate(const CtlContext& ctx) {
  if (!ctx.flags.capacity || !ctx.flags.dtypes) {
    return absl::InvalidArgumentError(
        "queue-create needs --capacity and --dtypes");
  }
  QueueSpec spec;
  TROUPE_ASSIGN_OR_RETURN(spec.kind, ParseQueueKind(ctx.flags.queue_type));
  int32_t capacity = 0;
  if (!absl::SimpleAtoi(*ctx.flags.capacity, &capacity)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid capacity '", *ctx.flags.capacity, "'"));
  }
  spec.capacity = capacity;
  for (absl::string_view name : absl::StrSplit(*ctx.flags.dtypes, ',')) {
    TROUPE_ASSIGN_OR_RETURN(DType dtype, ParseDType(name));
    spec.dtypes.push_back(dtype);
  }
  if (ctx.flags.shapes) {
    TROUPE_ASSIGN_OR_RETURN(json shapes, ReadJsonArgument(*ctx.flags.shapes));
    TROUPE_ASSIGN_OR_RETURN(spec.shapes, ShapesFromJson(shapes));
  }
  if (ctx.flags.min_after_dequeue) {
    TROUPE_ASSIGN_OR_RETURN(
        spec.min_after_dequeue,
        ParseCount("min_after_dequeue", *ctx.flags.min_after_dequeue));
  }
  if (ctx.flags.seed && !absl::SimpleAtoi(*ctx.flags.seed, &spec.seed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid seed '", *ctx.flags.seed, "'"));
  }
  if (ctx.flags.durable) {
    TROUPE_ASSIGN_OR_RETURN(
        spec.durability,
        ParseAppendfsync(ctx.flags.appendfsync.value_or("everysec")));
  } else if (ctx.flags.appendfsync) {
    return absl::InvalidArgumentError("--appendfsync needs --durable");
  }
  if (spec.kind == QueueKind::kPriority) AddPriorityComponent(spec);
  bool created = false;
  TROUPE_ASSIGN_OR_RETURN(
      auto queue, Queue::Create(ctx.session, std::move(spec), ctx.args[0],
                                ctx.device, ctx.container, &created));
  return json{{"created", created}};
}

absl::StatusOr<json> Enqueue(const CtlContext& ctx, bool many) {
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_ASSIGN_OR_RETURN(std::string components,
                          ReadTextArgument(ctx.args[1]));
  TROUPE_ASSIGN_OR_RETURN(
      Tuple tuple, many ? BatchFromJson(components, queue->spec().dtypes,
                                        queue->spec().shapes)
                        : TupleFromJson(components, queue->spec().dtypes));
  if (!many) {
    TROUPE_RETURN_IF_ERROR(queue->enqueue(std::move(tuple), ctx.timeout));
    return json{{"enqueued", 1}};
  }
  int64_t count =
      tuple.empty() || tuple[0].shape().empty() ? 0 : tuple[0].shape()[0];
  TROUPE_RETURN_IF_ERROR(queue->enqueue_many(std::move(tuple), ctx.timeout));
  return json{{"enqueued", count}};
}

absl::StatusOr<CtlOutput> Dequeue(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_ASSIGN_OR_RETURN(Tuple tuple, queue->dequeue(ctx.timeout));
  return TensorsOutput{std::move(tuple)};
}

absl::StatusOr<CtlOutput> DequeueBatch(const CtlContext& ctx, bool up_to) {
  TROUPE_ASSIGN_OR_RETURN(int32_t n, ParseCount("count", ctx.args[1]));
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_ASSIGN_OR_RETURN(Tuple batch,
                          up_to ? queue->dequeue_up_to(n, ctx.timeout)
                                : queue->dequeue_many(n, ctx.timeout));
  return TensorsOutput{std::move(batch)};
}

absl::StatusOr<json> Close(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_RETURN_IF_ERROR(
      queue->close(ctx.flags.cancel_pending_enqueues, ctx.timeout));
  return json{{"closed", true}};
}

absl::StatusOr<json> Size(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_ASSIGN_OR_RETURN(int32_t size, queue->size());
  return json(size);
}

absl::StatusOr<json> IsClosed(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_ASSIGN_OR_RETURN(bool closed, queue->is_closed());
  return json(closed);
}

absl::StatusOr<json> Reset(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(ctx.session.reset(ctx.args, ctx.device));
  return json{
      {"reset", ctx.args.empty() ? std::vector<std::string>{""} : ctx.args}};
}

json DTypesToJson(const std::vector<DType>& dtypes) {
  json names = json::array();
  for (DType dtype : dtypes) names.push_back(DTypeCliName(dtype));
  return names;
}

// --- Variables -------------------------------------------------------------

json VariableInfoToJson(const ResourceInfo& info) {
  return json{{"container", info.container},
              {"name", info.name},
              {"kind", "Variable"},
              {"dtype", DTypeCliName(info.variable.dtype)},
              {"shape", ShapeToJson(info.variable.shape)},
              {"initialized", info.initialized}};
}

absl::StatusOr<json> VariableCreate(const CtlContext& ctx) {
  if (!ctx.flags.dtype || !ctx.flags.shape) {
    return absl::InvalidArgumentError(
        "variable-create needs --dtype and --shape");
  }
  VariableOptions options;
  TROUPE_ASSIGN_OR_RETURN(options.dtype, ParseDType(*ctx.flags.dtype));
  TROUPE_ASSIGN_OR_RETURN(json shape, ReadJsonArgument(*ctx.flags.shape));
  TROUPE_ASSIGN_OR_RETURN(options.shape, ShapeFromJson(shape));
  options.shared_name = ctx.args[0];
  options.device = ctx.device;
  options.container = ctx.container;
  bool created = false;
  TROUPE_ASSIGN_OR_RETURN(
      auto variable,
      Variable::Create(ctx.session, std::move(options), &created));
  return json{{"created", created}};
}

// Only looks up: a variable is declared by variable-create (or a client).
absl::StatusOr<std::unique_ptr<Variable>> OpenVariable(const CtlContext& ctx) {
  return Variable::Open(ctx.session, ctx.args[0], ctx.device, ctx.container);
}

enum class UpdateKind { kAssign, kAdd, kSub };

absl::StatusOr<CtlOutput> UpdateVariable(const CtlContext& ctx,
                                         UpdateKind kind) {
  TROUPE_ASSIGN_OR_RETURN(auto variable, OpenVariable(ctx));
  TROUPE_ASSIGN_OR_RETURN(std::string value, ReadTextArgument(ctx.args[1]));
  TROUPE_ASSIGN_OR_RETURN(Tensor tensor,
                          TensorFromJson(value, variable->spec().dtype));
  absl::StatusOr<Tensor> result;
  switch (kind) {
    case UpdateKind::kAssign:
      result =
          variable->assign(std::move(tensor), !ctx.flags.no_validate_shape);
      break;
    case UpdateKind::kAdd:
      result = variable->assign_add(std::move(tensor));
      break;
    case UpdateKind::kSub:
      result = variable->assign_sub(std::move(tensor));
      break;
  }
  if (!result.ok()) return result.status();
  return TensorsOutput{{*std::move(result)}, false};
}

absl::StatusOr<CtlOutput> Read(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(auto variable, OpenVariable(ctx));
  TROUPE_ASSIGN_OR_RETURN(Tensor value, variable->read());
  return TensorsOutput{{std::move(value)}, false};
}

// --- End of variables ------------------------------------------------------

// --- Readers -----------------------------------------------------------------

json ReaderInfoToJson(const ResourceInfo& info) {
  return json{{"container", info.container},
              {"name", info.name},
              {"kind", info.reader_kind},
              {"records_produced", info.records_produced},
              {"work_units_completed", info.work_units_completed},
              {"records_skipped", info.records_skipped}};
}

json StringsToJson(const std::vector<std::string>& values) {
  json strings = json::array();
  for (const std::string& value : values) {
    strings.push_back(StringElementToJson(value));
  }
  return strings;
}

// The integer flag --NAME, or 0 when not given. Negative values reach the
// task, which refuses them with TensorFlow's text.
absl::StatusOr<int64_t> IntFlag(const char* name,
                                const std::optional<std::string>& text) {
  if (!text) return 0;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid --", name, " '", *text, "'"));
  }
  return value;
}

absl::StatusOr<json> ReaderCreate(const CtlContext& ctx) {
  ReaderSpec spec;
  spec.type = ctx.flags.reader_type;
  TROUPE_ASSIGN_OR_RETURN(
      spec.skip_header_lines,
      IntFlag("skip-header-lines", ctx.flags.skip_header_lines));
  TROUPE_ASSIGN_OR_RETURN(spec.record_bytes,
                          IntFlag("record-bytes", ctx.flags.record_bytes));
  TROUPE_ASSIGN_OR_RETURN(spec.header_bytes,
                          IntFlag("header-bytes", ctx.flags.header_bytes));
  TROUPE_ASSIGN_OR_RETURN(spec.footer_bytes,
                          IntFlag("footer-bytes", ctx.flags.footer_bytes));
  TROUPE_ASSIGN_OR_RETURN(spec.hop_bytes,
                          IntFlag("hop-bytes", ctx.flags.hop_bytes));
  spec.compression = ctx.flags.compression;
  spec.skip_corrupt = ctx.flags.skip_corrupt;
  bool created = false;
  TROUPE_ASSIGN_OR_RETURN(
      auto reader, ReaderBase::Create(ctx.session, std::move(spec), ctx.args[0],
                                      ctx.device, ctx.container, &created));
  return json{{"created", created}};
}

absl::StatusOr<std::unique_ptr<ReaderBase>> OpenReader(const CtlContext& ctx) {
  return ReaderBase::Open(ctx.session, ctx.args[0], ctx.device, ctx.container);
}

absl::StatusOr<std::string> QueueFlag(const CtlContext& ctx) {
  if (!ctx.flags.queue) {
    return absl::InvalidArgumentError(
        "reader-read and reader-read-up-to need --queue Q");
  }
  return *ctx.flags.queue;
}

absl::StatusOr<json> ReaderRead(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(std::string queue, QueueFlag(ctx));
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_ASSIGN_OR_RETURN(KeyValue record, reader->read(queue, ctx.timeout));
  return json{{"key", StringElementToJson(record.key)},
              {"value", StringElementToJson(record.value)}};
}

absl::StatusOr<json> ReaderReadUpTo(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(std::string queue, QueueFlag(ctx));
  int64_t n = 0;
  if (!absl::SimpleAtoi(ctx.args[1], &n)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid count '", ctx.args[1], "'"));
  }
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_ASSIGN_OR_RETURN(KeysValues records,
                          reader->read_up_to(queue, n, ctx.timeout));
  return json{{"keys", StringsToJson(records.keys)},
              {"values", StringsToJson(records.values)}};
}

absl::StatusOr<json> ReaderStats(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_ASSIGN_OR_RETURN(ReaderCounters counters, reader->counters());
  return json{{"records_produced", counters.records_produced},
              {"work_units_completed", counters.work_units_completed},
              {"records_skipped", counters.records_skipped}};
}

absl::StatusOr<json> ReaderReset(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_RETURN_IF_ERROR(reader->reset());
  return json{{"reset", true}};
}

absl::StatusOr<json> ReaderSerialize(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_ASSIGN_OR_RETURN(std::string state, reader->serialize_state());
  return json{{"state", absl::Base64Escape(state)}};
}

absl::StatusOr<json> ReaderRestore(const CtlContext& ctx) {
  std::string state;
  if (!absl::Base64Unescape(ctx.args[1], &state)) {
    return absl::InvalidArgumentError("The state is not valid base64");
  }
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_RETURN_IF_ERROR(reader->restore_state(state));
  return json{{"restored", true}};
}

absl::StatusOr<json> TFRecordWrite(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(std::string records, ReadTextArgument(ctx.args[1]));
  if (records.find_first_not_of(" \t\n\r") == std::string::npos ||
      records[records.find_first_not_of(" \t\n\r")] != '[') {
    // Not a list: malformed, or a value small enough to check whole.
    TROUPE_RETURN_IF_ERROR(ParseJson(records).status());
    return absl::InvalidArgumentError(
        "RECORDS must be a JSON array of strings");
  }
  TROUPE_ASSIGN_OR_RETURN(Tensor tensor, TensorFromJson(records, DT_STRING));
  if (tensor.shape().size() != 1) {
    return absl::InvalidArgumentError(
        "RECORDS must be a JSON array of strings");
  }
  StringsView strings = tensor.strings();
  TROUPE_ASSIGN_OR_RETURN(
      int64_t bytes, WriteTFRecordFile(ctx.session, ctx.args[0],
                                       std::vector<std::string>(strings.begin(),
                                                                strings.end()),
                                       ctx.flags.compression, ctx.device));
  return json{{"path", ctx.args[0]},
              {"records", static_cast<int64_t>(strings.size())},
              {"bytes", bytes}};
}

// --- End of readers ----------------------------------------------------------

absl::StatusOr<json> List(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(std::vector<ResourceInfo> infos,
                          ctx.session.list(ctx.device));
  json resources = json::array();
  for (const ResourceInfo& info : infos) {
    if (info.is_variable) {  // Variables.
      resources.push_back(VariableInfoToJson(info));
      continue;
    }
    if (!info.reader_kind.empty()) {
      resources.push_back(ReaderInfoToJson(info));
      continue;
    }
    if (!info.runner_state.empty()) {
      resources.push_back(json{{"container", info.container},
                               {"name", info.name},
                               {"kind", "QueueRunner"},
                               {"state", info.runner_state},
                               {"target", info.runner_target},
                               {"steps", info.runner_steps}});
      continue;
    }
    resources.push_back(json{{"container", info.container},
                             {"name", info.name},
                             {"kind", QueueKindName(info.spec.kind)},
                             {"capacity", info.spec.capacity},
                             {"dtypes", DTypesToJson(info.spec.dtypes)},
                             {"shapes", ShapesToJson(info.spec.shapes)},
                             {"size", info.size},
                             {"closed", info.closed},
                             {"waiting_enqueues", info.waiting_enqueues},
                             {"waiting_dequeues", info.waiting_dequeues},
                             {"held", info.held}});
    if (info.spec.durable())
      resources.back()["durability"] = DurabilityName(info.spec.durability);
  }
  return resources;
}

// Every task of the spec given with --cluster: up with its incarnation,
// uptime, restarts (under `troupe up`) and resource counts, or down with the
// reason. Each task is asked directly, on its own address.
absl::StatusOr<json> Status(const CtlContext& ctx) {
  if (!ctx.flags.cluster) {
    return absl::InvalidArgumentError("status needs --cluster FILE");
  }
  TROUPE_ASSIGN_OR_RETURN(ClusterSpec spec,
                          ClusterSpec::LoadFile(*ctx.flags.cluster));
  json tasks = json::array();
  for (const TaskId& task : spec.Tasks()) {
    std::string address = spec.Address(task)->ToString();
    json entry{{"device", task.ToDevice()}, {"address", address}};
    Session session(address, ctx.options);
    auto status = session.status();
    auto infos = status.ok() ? session.list() : status.status();
    entry["up"] = infos.ok();
    if (infos.ok()) {
      entry["incarnation"] = FormatIncarnation(status->incarnation);
      entry["uptime_s"] = static_cast<double>(status->uptime_ms) / 1000;
      if (status->restarts >= 0) entry["restarts"] = status->restarts;
      int64_t variables = 0;
      int64_t readers = 0;
      int64_t runners = 0;
      for (const ResourceInfo& info : *infos) {
        variables += info.is_variable;
        readers += !info.reader_kind.empty();
        runners += !info.runner_state.empty();
      }
      entry["queues"] =
          static_cast<int64_t>(infos->size()) - variables - readers - runners;
      entry["variables"] = variables;
      entry["readers"] = readers;
      entry["runners"] = runners;
    } else {
      entry["error"] = infos.status().ToString();
    }
    tasks.push_back(std::move(entry));
  }
  return tasks;
}

// Each task's counters and its resources' (cli/task_stats.h): every task
// of --cluster, else the target (or --device through it), as JSON or, with
// --format prometheus, as Prometheus's text format.
absl::StatusOr<json> Stats(const CtlContext& ctx) {
  const std::string& format = ctx.flags.format;
  if (format != "json" && format != "prometheus") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format must be json or prometheus, not '", format, "'"));
  }
  std::vector<TaskStats> tasks;
  if (ctx.flags.cluster) {
    TROUPE_ASSIGN_OR_RETURN(ClusterSpec spec,
                            ClusterSpec::LoadFile(*ctx.flags.cluster));
    for (const TaskId& id : spec.Tasks()) {
      const std::string address = spec.Address(id)->ToString();
      Session session(address, ctx.options);
      TaskStats task = AskTaskStats(session, "");
      task.device = id.ToDevice();
      task.address = address;
      tasks.push_back(std::move(task));
    }
  } else {
    TaskStats task = AskTaskStats(ctx.session, ctx.device);
    task.device = task.up.ok() ? task.status.device : ctx.device;
    task.address = ctx.flags.target.value_or("");
    tasks.push_back(std::move(task));
  }
  if (format == "prometheus") return json(StatsToPrometheus(tasks));
  return StatsToJson(tasks);
}

// The terminal view of `ctl watch` (cli/ctl_watch.h) over every task of
// --cluster (a session each, kept between screens), else the target.
int Watch(const CtlContext& ctx) {
  struct Watched {
    std::string device;
    std::string address;
    std::unique_ptr<Session> session;  // null: the context's
  };
  std::vector<Watched> watched;
  if (ctx.flags.cluster) {
    absl::StatusOr<ClusterSpec> spec =
        ClusterSpec::LoadFile(*ctx.flags.cluster);
    if (!spec.ok()) return Fail(spec.status());
    for (const TaskId& id : spec->Tasks()) {
      const std::string address = spec->Address(id)->ToString();
      watched.push_back(
          Watched{id.ToDevice(), address,
                  std::make_unique<Session>(address, ctx.options)});
    }
  } else {
    watched.push_back(
        Watched{ctx.device, ctx.flags.target.value_or(""), nullptr});
  }
  return RunWatch(
      [&] {
        std::vector<TaskStats> tasks;
        for (Watched& task : watched) {
          TaskStats stats = task.session
                                ? AskTaskStats(*task.session, "")
                                : AskTaskStats(ctx.session, ctx.device);
          stats.device = stats.up.ok() ? stats.status.device : task.device;
          stats.address = task.address;
          tasks.push_back(std::move(stats));
        }
        return tasks;
      },
      absl::Seconds(1));
}

// TensorFlow's decode_csv on RECORDS (a string, or nested arrays of them),
// here in the client: one column per default, each shaped like RECORDS.
absl::StatusOr<CtlOutput> DecodeCsvCommand(const CtlContext& ctx) {
  if (!ctx.flags.dtypes || !ctx.flags.defaults) {
    return absl::InvalidArgumentError(
        "decode-csv needs --dtypes and --defaults (one [value] or [] per "
        "column)");
  }
  TROUPE_ASSIGN_OR_RETURN(std::string records_json,
                          ReadTextArgument(ctx.args[0]));
  TROUPE_ASSIGN_OR_RETURN(Tensor records,
                          TensorFromJson(records_json, DType::kString));
  std::vector<DType> dtypes;
  for (absl::string_view name : absl::StrSplit(*ctx.flags.dtypes, ',')) {
    TROUPE_ASSIGN_OR_RETURN(DType dtype, ParseDType(name));
    dtypes.push_back(dtype);
  }
  TROUPE_ASSIGN_OR_RETURN(std::string defaults_text,
                          ReadTextArgument(*ctx.flags.defaults));
  TROUPE_ASSIGN_OR_RETURN(json defaults_json, ParseJson(defaults_text));
  if (!defaults_json.is_array() || defaults_json.size() != dtypes.size()) {
    return absl::InvalidArgumentError(
        "--defaults must be a JSON array with one default per dtype: [value] "
        "or [] (a required column)");
  }
  // TupleFromJson reads [] as an empty column of the dtype: required.
  TROUPE_ASSIGN_OR_RETURN(std::vector<Tensor> defaults,
                          TupleFromJson(defaults_text, dtypes));
  DecodeCsvOptions options;
  options.field_delim = ctx.flags.field_delim;
  options.use_quote_delim = !ctx.flags.no_quote_delim;
  options.na_value = ctx.flags.na_value;
  if (ctx.flags.select_cols) {
    for (absl::string_view column :
         absl::StrSplit(*ctx.flags.select_cols, ',')) {
      int64_t index = 0;
      if (!absl::SimpleAtoi(column, &index)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Invalid --select-cols '", *ctx.flags.select_cols, "'"));
      }
      options.select_cols.push_back(index);
    }
  }
  TROUPE_ASSIGN_OR_RETURN(std::vector<Tensor> columns,
                          DecodeCsv(records, defaults, options));
  return TensorsOutput{std::move(columns)};
}

// --- Queue runners ----------------------------------------------------------

json RunnerStatusToJson(const RunnerStatus& status) {
  const absl::Status error = status.error();
  return json{{"state", status.state},
              {"steps", status.steps},
              {"error", error.ok() ? json(nullptr) : json(error.ToString())}};
}

absl::StatusOr<json> RunnerStart(const CtlContext& ctx) {
  TROUPE_ASSIGN_OR_RETURN(json text, ReadJsonArgument(ctx.args[1]));
  TROUPE_ASSIGN_OR_RETURN(RunnerSpec spec, RunnerSpecFromJson(text));
  QueueRunner runner(ctx.session, ctx.args[0], std::move(spec), ctx.device,
                     ctx.container);
  TROUPE_ASSIGN_OR_RETURN(RunnerStatus status, runner.start());
  return json{{"started", status.started}, {"state", status.state}};
}

// runner-status, -stop and -join NAME; coordinator-status, -stop and -join
// C. A join whose runners failed fails with their first error.
absl::StatusOr<json> RunnerVerb(const CtlContext& ctx, RunnerCall::Verb verb) {
  absl::StatusOr<RunnerStatus> status;
  if (verb == RunnerCall::kStopCoordinator ||
      verb == RunnerCall::kJoinCoordinator ||
      verb == RunnerCall::kCoordinatorStatus) {
    Coordinator coordinator(ctx.session, ctx.args[0], ctx.device,
                            ctx.container);
    status = verb == RunnerCall::kStopCoordinator
                 ? coordinator.request_stop(ctx.timeout)
             : verb == RunnerCall::kJoinCoordinator
                 ? coordinator.join(ctx.timeout)
                 : coordinator.status();
  } else {
    QueueRunner runner(ctx.session, ctx.args[0], RunnerSpec{}, ctx.device,
                       ctx.container);
    status = verb == RunnerCall::kStatus ? runner.status()
             : verb == RunnerCall::kStop ? runner.stop(ctx.timeout)
                                         : runner.join(ctx.timeout);
  }
  if (!status.ok()) return status.status();
  const bool joins =
      verb == RunnerCall::kJoin || verb == RunnerCall::kJoinCoordinator;
  if (joins && !status->error().ok()) return status->error();
  return RunnerStatusToJson(*status);
}

// --- End of queue runners ---------------------------------------------------

// --- Checkpoints ---

// The devices a save covers: every task of --cluster, else --device, else
// the target.
absl::StatusOr<std::vector<std::string>> SaveDevices(const CtlContext& ctx) {
  std::vector<std::string> devices;
  if (ctx.flags.cluster) {
    TROUPE_ASSIGN_OR_RETURN(ClusterSpec spec,
                            ClusterSpec::LoadFile(*ctx.flags.cluster));
    for (const TaskId& task : spec.Tasks()) devices.push_back(task.ToDevice());
  } else if (!ctx.device.empty()) {
    devices.push_back(ctx.device);
  }
  return devices;
}

absl::StatusOr<json> Save(const CtlContext& ctx) {
  SaverOptions options;
  if (ctx.flags.containers) {
    options.containers = absl::StrSplit(*ctx.flags.containers, ',');
  }
  options.include_queues = ctx.flags.include_queues;
  if (ctx.flags.max_to_keep) {
    TROUPE_ASSIGN_OR_RETURN(options.max_to_keep,
                            ParseCount("max-to-keep", *ctx.flags.max_to_keep));
  }
  TROUPE_ASSIGN_OR_RETURN(options.devices, SaveDevices(ctx));
  Saver saver(ctx.session, std::move(options));
  TROUPE_ASSIGN_OR_RETURN(CheckpointInfo info,
                          saver.save(ctx.args[0], ctx.timeout));
  return json{{"prefix", info.prefix},
              {"tensors", info.tensors},
              {"bytes", info.bytes}};
}

absl::StatusOr<json> Restore(const CtlContext& ctx) {
  Saver saver(ctx.session);
  TROUPE_ASSIGN_OR_RETURN(int64_t tensors,
                          saver.restore(ctx.args[0], ctx.timeout));
  return json{{"prefix", ctx.args[0]}, {"tensors", tensors}};
}

absl::StatusOr<json> Checkpoints(const CtlContext& ctx) {
  Saver saver(ctx.session);
  TROUPE_ASSIGN_OR_RETURN(std::vector<CheckpointInfo> listed,
                          saver.checkpoints(ctx.args[0], ctx.timeout));
  json checkpoints = json::array();
  json latest = nullptr;
  for (const CheckpointInfo& info : listed) {
    if (info.latest) latest = info.prefix;
    checkpoints.push_back(
        json{{"prefix", info.prefix},
             {"bytes", info.bytes},
             {"tensors", info.tensors},
             {"time", absl::FormatTime(absl::RFC3339_full,
                                       absl::FromUnixMillis(info.time_unix_ms),
                                       absl::UTCTimeZone())},
             {"latest", info.latest}});
  }
  return json{{"latest", latest}, {"checkpoints", checkpoints}};
}

using Command = std::function<absl::StatusOr<CtlOutput>(const CtlContext&)>;

// A verb of `troupe ctl`: its subcommand, and what it runs (null for watch,
// which draws a terminal view instead of printing a line).
struct Verb {
  CLI::App* app;
  Command run;
};

// A positional argument of a verb: its name in the usage line and its help.
struct Argument {
  const char* name;
  const char* help;
};

constexpr Argument kQueue = {"NAME", "the queue's name"};
constexpr Argument kVariable = {"NAME", "the variable's name"};
constexpr Argument kReader = {"NAME", "the reader's name"};
constexpr Argument kRunner = {"NAME", "the queue runner's name"};
constexpr Argument kCoordinator = {"C", "the coordinator's name"};
constexpr Argument kCount = {"N", "how many elements"};
constexpr Argument kValue = {
    "VALUE",
    "a tensor as nested JSON arrays (a bare scalar for shape []), or @PATH, "
    "or - (stdin)"};
constexpr Argument kPrefix = {
    "PREFIX", "the checkpoint's path, under the task's data directory"};
constexpr char kCompression[] = "the files' compression: GZIP or ZLIB";

// Adds the verbs to `ctl` as its subcommands, with their arguments and
// flags (read into `flags`).
std::vector<Verb> AddVerbs(CLI::App& ctl, CtlFlags& flags) {
  std::vector<Verb> verbs;
  auto add = [&ctl, &verbs](const char* name, const char* summary,
                            const std::vector<Argument>& arguments,
                            Command run) {
    CLI::App* verb = ctl.add_subcommand(name, summary);
    verb->group("Commands");
    verb->footer(
        "The global flags (--target, --device, --container, --timeout, "
        "--cluster, --tls-*) go anywhere on the line: troupe ctl --help.");
    for (const Argument& argument : arguments) {
      verb->add_option(argument.name, CLI::callback_t(), argument.help)
          ->required();
    }
    verbs.push_back({verb, std::move(run)});
    return verb;
  };

  // Queues.
  CLI::App* verb =
      add("queue-create", "creates a queue, or finds the one of that name",
          {kQueue}, QueueCreate);
  verb->add_option("--type", flags.queue_type,
                   "fifo, random_shuffle, padding_fifo or priority")
      ->type_name("KIND")
      ->capture_default_str();
  verb->add_option("--capacity", flags.capacity,
                   "how many elements it holds (needed)")
      ->type_name("N");
  verb->add_option("--dtypes", flags.dtypes,
                   "its components' dtypes, such as float32,int32 (needed)")
      ->type_name("DTYPES");
  verb->add_option("--shapes", flags.shapes,
                   "their shapes, such as '[[2],[]]' (null: a dimension "
                   "not known), or @PATH")
      ->type_name("JSON");
  verb->add_option("--min-after-dequeue", flags.min_after_dequeue,
                   "random_shuffle: the elements a dequeue leaves to mix "
                   "with")
      ->type_name("N");
  verb->add_option("--seed", flags.seed,
                   "random_shuffle: its seed (a fixed one reproduces the "
                   "order)")
      ->type_name("N");
  verb->add_flag("--durable", flags.durable,
                 "log every change under the task's data directory before "
                 "answering it; the queue is back after the task restarts");
  verb->add_option("--appendfsync", flags.appendfsync,
                   "when a durable queue's log is synced: always (before "
                   "each answer), everysec (the default) or no")
      ->type_name("POLICY");
  add("enqueue", "enqueues one element",
      {kQueue,
       {"COMPONENTS",
        "a JSON array with one entry per component, or @PATH, or - (stdin)"}},
      [](const CtlContext& ctx) { return Enqueue(ctx, false); });
  add("enqueue-many",
      "enqueues a batch: the first dimension of each component counts its "
      "elements",
      {kQueue,
       {"COMPONENTS",
        "a JSON array with one batch per component, or @PATH, or - (stdin)"}},
      [](const CtlContext& ctx) { return Enqueue(ctx, true); });
  add("dequeue", "dequeues one element", {kQueue}, Dequeue);
  add("dequeue-many", "dequeues N elements, waiting for all of them",
      {kQueue, kCount},
      [](const CtlContext& ctx) { return DequeueBatch(ctx, false); });
  add("dequeue-up-to",
      "dequeues N elements, or fewer from a queue that is closed",
      {kQueue, kCount},
      [](const CtlContext& ctx) { return DequeueBatch(ctx, true); });
  add("close", "closes a queue: no more enqueues, dequeues drain it", {kQueue},
      Close)
      ->add_flag("--cancel-pending-enqueues", flags.cancel_pending_enqueues,
                 "also fail the enqueues waiting for room");
  add("size", "how many elements a queue holds", {kQueue}, Size);
  add("is-closed", "whether a queue is closed", {kQueue}, IsClosed);

  // The task's resources.
  add("reset",
      "frees every resource of the containers (default: the default one)", {},
      Reset)
      ->add_option("CONTAINER", CLI::callback_t(), "a container")
      ->expected(0, -1)
      ->allow_extra_args();
  add("list", "the task's resources", {}, List);
  add("status",
      "every task of --cluster: up (incarnation, uptime, restarts, "
      "resources) or down with the reason",
      {}, Status);
  add("stats",
      "the counters of every task of --cluster, else of the target, and of "
      "their resources",
      {}, Stats)
      ->add_option("--format", flags.format,
                   "json, or prometheus for Prometheus's text format")
      ->type_name("FORMAT")
      ->capture_default_str();
  add("watch",
      "a terminal view of every task of --cluster, else of the target, "
      "redrawn every second; q quits",
      {}, nullptr);

  // Variables.
  verb = add("variable-create",
             "creates a variable, or finds the one of that name", {kVariable},
             VariableCreate);
  verb->add_option("--dtype", flags.dtype,
                   "its dtype, such as float32 (needed)")
      ->type_name("DTYPE");
  verb->add_option("--shape", flags.shape,
                   "its shape, such as '[2]', or @PATH (needed)")
      ->type_name("JSON");
  add("assign", "sets a variable; prints its value", {kVariable, kValue},
      [](const CtlContext& ctx) {
        return UpdateVariable(ctx, UpdateKind::kAssign);
      })
      ->add_flag("--no-validate-shape", flags.no_validate_shape,
                 "let VALUE change the variable's shape");
  add("assign-add", "adds VALUE to a variable; prints the sum",
      {kVariable, kValue}, [](const CtlContext& ctx) {
        return UpdateVariable(ctx, UpdateKind::kAdd);
      });
  add("assign-sub", "subtracts VALUE from a variable; prints the difference",
      {kVariable, kValue}, [](const CtlContext& ctx) {
        return UpdateVariable(ctx, UpdateKind::kSub);
      });
  add("read", "a variable's value", {kVariable}, Read);

  // Checkpoints.
  verb = add("save",
             "saves the variables (and queues) of every task of --cluster, "
             "else of --device or the target, to a checkpoint",
             {kPrefix}, Save);
  verb->add_option("--containers", flags.containers, "only these containers")
      ->type_name("A,B");
  verb->add_flag("--include-queues", flags.include_queues,
                 "also the queues, with their elements");
  verb->add_option("--max-to-keep", flags.max_to_keep,
                   "the newest checkpoints kept (default 5; 0 keeps all)")
      ->type_name("N");
  add("restore", "restores a checkpoint", {kPrefix}, Restore);
  add("checkpoints", "the checkpoints of a directory, and the latest",
      {{"DIR", "a directory under the task's data directory"}}, Checkpoints);

  // Readers.
  verb = add("reader-create", "creates a reader, or finds the one of that name",
             {kReader}, ReaderCreate);
  verb->add_option("--type", flags.reader_type,
                   "identity, text_line, fixed_length_record, tf_record or "
                   "whole_file")
      ->type_name("KIND")
      ->capture_default_str();
  verb->add_option("--skip-header-lines", flags.skip_header_lines,
                   "text_line: the lines to skip at each file's start")
      ->type_name("N");
  verb->add_option("--record-bytes", flags.record_bytes,
                   "fixed_length_record: each record's size")
      ->type_name("N");
  verb->add_option("--header-bytes", flags.header_bytes,
                   "fixed_length_record: the bytes to skip at each file's "
                   "start")
      ->type_name("N");
  verb->add_option("--footer-bytes", flags.footer_bytes,
                   "fixed_length_record: the bytes to skip at its end")
      ->type_name("N");
  verb->add_option("--hop-bytes", flags.hop_bytes,
                   "fixed_length_record: how far each record starts from "
                   "the last one's start (0: --record-bytes)")
      ->type_name("N");
  verb->add_option("--compression", flags.compression, kCompression)
      ->type_name("C");
  verb->add_flag("--skip-corrupt", flags.skip_corrupt,
                 "tf_record: skip (and count) corrupt records");
  const char* queue_help = "the queue of the file names to read (needed)";
  add("reader-read", "reads one record", {kReader}, ReaderRead)
      ->add_option("--queue", flags.queue, queue_help)
      ->type_name("Q");
  add("reader-read-up-to", "reads 1 to N records of one file",
      {kReader, {"N", "how many records at most"}}, ReaderReadUpTo)
      ->add_option("--queue", flags.queue, queue_help)
      ->type_name("Q");
  add("reader-stats", "the reader's counters", {kReader}, ReaderStats);
  add("reader-reset", "resets the reader", {kReader}, ReaderReset);
  add("reader-serialize", "the reader's state, in base64", {kReader},
      ReaderSerialize);
  add("reader-restore", "restores a state from reader-serialize",
      {kReader, {"BASE64", "the state"}}, ReaderRestore);
  add("tfrecord-write", "has the task write a TFRecord file",
      {{"PATH", "the file, under the task's data directory"},
       {"RECORDS", "a JSON array of strings, or @PATH, or - (stdin)"}},
      TFRecordWrite)
      ->add_option("--compression", flags.compression, kCompression)
      ->type_name("C");
  verb = add(
      "decode-csv",
      "TensorFlow's decode_csv, here in the client: one column per "
      "default",
      {{"RECORDS", "a JSON string, or nested arrays of them, or @PATH, or -"}},
      DecodeCsvCommand);
  verb->add_option("--dtypes", flags.dtypes,
                   "the columns' dtypes, such as float32,int32 (needed)")
      ->type_name("DTYPES");
  verb->add_option("--defaults", flags.defaults,
                   "one [value] or [] (a required column) per column, "
                   "or @PATH (needed)")
      ->type_name("JSON");
  verb->add_option("--field-delim", flags.field_delim, "the field delimiter")
      ->type_name("C")
      ->capture_default_str();
  verb->add_flag("--no-quote-delim", flags.no_quote_delim,
                 "read double quotes as plain characters");
  verb->add_option("--na-value", flags.na_value, "the text of a missing value")
      ->type_name("S");
  verb->add_option("--select-cols", flags.select_cols,
                   "decode only these columns")
      ->type_name("I,J");

  // Queue runners.
  add("runner-start", "starts a queue runner",
      {kRunner, {"SPEC", "its spec as JSON, or @PATH, or - (stdin)"}},
      RunnerStart);
  add("runner-status", "the runner's state, steps and first error", {kRunner},
      [](const CtlContext& ctx) {
        return RunnerVerb(ctx, RunnerCall::kStatus);
      });
  add("runner-stop", "stops the runner", {kRunner},
      [](const CtlContext& ctx) { return RunnerVerb(ctx, RunnerCall::kStop); });
  add("runner-join", "waits until the runner ended (exit 1 with its error)",
      {kRunner},
      [](const CtlContext& ctx) { return RunnerVerb(ctx, RunnerCall::kJoin); });
  add("coordinator-stop", "stops every runner of the coordinator",
      {kCoordinator}, [](const CtlContext& ctx) {
        return RunnerVerb(ctx, RunnerCall::kStopCoordinator);
      });
  add("coordinator-join", "waits until every runner of the coordinator ended",
      {kCoordinator}, [](const CtlContext& ctx) {
        return RunnerVerb(ctx, RunnerCall::kJoinCoordinator);
      });
  add("coordinator-status", "what coordinator-join would say, at once",
      {kCoordinator}, [](const CtlContext& ctx) {
        return RunnerVerb(ctx, RunnerCall::kCoordinatorStatus);
      });
  return verbs;
}

// What the positional arguments of `verb` were given, in order.
std::vector<std::string> PositionalArguments(const CLI::App& verb) {
  std::vector<std::string> arguments;
  for (const CLI::Option* option : verb.get_options(
           [](const CLI::Option* each) { return each->get_positional(); })) {
    arguments.insert(arguments.end(), option->results().begin(),
                     option->results().end());
  }
  return arguments;
}

}  // namespace

int RunCtl(const std::vector<std::string>& args) {
  CommandLine command_line(
      "troupe ctl",
      "The operator's and the shell's client: one command per call, one line "
      "of JSON on stdout; an error as CODE: message on stderr, and exit 1.");
  command_line.fallthrough();  // The global flags may follow the command.
  command_line.require_subcommand(0, 1);
  CtlFlags flags;
  flags.AddGlobalTo(command_line);
  const std::vector<Verb> verbs = AddVerbs(command_line, flags);
  command_line.footer(
      "troupe ctl COMMAND --help: the arguments and flags of COMMAND, which "
      "follow it.");
  absl::StatusOr<bool> run = command_line.Read(args);
  if (!run.ok()) return Fail(run.status());
  if (!*run) return 0;  // It printed the usage asked for.
  auto verb = std::find_if(verbs.begin(), verbs.end(),
                           [](const Verb& each) { return each.app->parsed(); });
  const std::string name = verb == verbs.end() ? "" : verb->app->get_name();
  const bool needs_target =
      !(name == "status" || name == "decode-csv" ||
        ((name == "stats" || name == "watch") && flags.cluster));
  if (verb == verbs.end() || (needs_target && !flags.target)) {
    return Fail(absl::InvalidArgumentError(
        "ctl needs --target and a command (troupe ctl --help)"));
  }
  auto timeout = ParseTimeout(flags.timeout);
  if (!timeout.ok()) return Fail(timeout.status());
  std::optional<ClusterSpec> spec;
  if (flags.cluster) {
    auto loaded = ClusterSpec::LoadFile(*flags.cluster);
    if (!loaded.ok()) return Fail(loaded.status());
    spec = *std::move(loaded);
  }
  auto options = NodeOptionsFrom(flags.node, spec ? &*spec : nullptr);
  if (!options.ok()) return Fail(options.status());
  Session session(flags.target.value_or(""), *options);
  CtlContext ctx{
      session,      *options,        flags,   PositionalArguments(*verb->app),
      flags.device, flags.container, *timeout};
  if (!verb->run) return Watch(ctx);  // A terminal view, not a line.
  // Strings in the output are valid UTF-8 (tensors print other bytes as
  // {"b64": ...}, names are checked at creation); should one not be, it
  // prints with U+FFFD rather than throw.
  std::string line;
  try {
    auto output = verb->run(ctx);
    if (!output.ok()) return Fail(output.status());
    if (auto* tensors = std::get_if<TensorsOutput>(&*output)) {
      if (tensors->tuple) {
        WriteTupleJson(tensors->tensors, std::cout);
      } else {
        WriteTensorJson(tensors->tensors.front(), std::cout);
      }
      std::cout << std::endl;
      return 0;
    }
    const json& value = std::get<json>(*output);
    // Text formats (stats --format prometheus) print as they are.
    if (value.is_string() && ctx.flags.format == "prometheus") {
      std::cout << value.get<std::string>() << std::flush;
      return 0;
    }
    line = value.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const json::exception& e) {
    return Fail(absl::InternalError(
        absl::StrCat("Cannot print the result as JSON: ", e.what())));
  }
  std::cout << line << std::endl;
  return 0;
}

}  // namespace troupe::cli
