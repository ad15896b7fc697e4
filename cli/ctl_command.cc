#include "cli/ctl_command.h"

#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <variant>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

#include "base/status_macros.h"
#include "cli/ctl_watch.h"
#include "cli/flags.h"
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

constexpr char kCtlUsage[] =
    "usage: troupe ctl --target HOST:PORT [--device /job:J/task:T] "
    "[--container C]\n"
    "                  [--timeout 5s] [--cluster FILE] COMMAND ...\n"
    "                  [--tls-certificate PEM --tls-key PEM --tls-ca PEM]\n"
    "With --cluster, the spec's \"tls\" section (unless the --tls flags are "
    "given)\nand \"heartbeat_timeout\" are used.\n"
    "commands:\n"
    "  queue-create NAME --type fifo --capacity N --dtypes float32,int32\n"
    "               [--shapes '[[2],[3]]'] [--durable [--appendfsync "
    "always|everysec|no]]\n"
    "  enqueue NAME COMPONENTS | enqueue-many NAME COMPONENTS\n"
    "  dequeue NAME | dequeue-many NAME N | dequeue-up-to NAME N\n"
    "  close NAME [--cancel-pending-enqueues] | size NAME | is-closed NAME\n"
    "  reset [CONTAINER...] | list | status --cluster FILE (every task: up or "
    "down)\n"
    "  stats [--cluster FILE] [--format json|prometheus] (counters of tasks "
    "and resources)\n"
    "  watch [--cluster FILE] (a terminal view, redrawn every second; q "
    "quits)\n"
    "  variable-create NAME --dtype float32 --shape '[2]'\n"
    "  assign NAME VALUE [--no-validate-shape] | assign-add NAME VALUE\n"
    "  assign-sub NAME VALUE | read NAME\n"
    "  save PREFIX [--containers A,B] [--include-queues] [--max-to-keep N]\n"
    "       [--cluster FILE] | restore PREFIX | checkpoints DIR\n"
    "  reader-create NAME --type identity|text_line|fixed_length_record|"
    "tf_record|whole_file\n"
    "       [--skip-header-lines N] [--record-bytes N] [--header-bytes N]\n"
    "       [--footer-bytes N] [--hop-bytes N] [--compression GZIP|ZLIB] "
    "[--skip-corrupt]\n"
    "  reader-read NAME --queue Q | reader-read-up-to NAME N --queue Q\n"
    "  reader-stats NAME | reader-reset NAME | reader-serialize NAME\n"
    "  reader-restore NAME BASE64\n"
    "  tfrecord-write PATH RECORDS [--compression GZIP|ZLIB]\n"
    "  decode-csv RECORDS --dtypes float32,int32 --defaults '[[1.0],[]]'\n"
    "       [--field-delim C] [--no-quote-delim] [--na-value S] "
    "[--select-cols 0,2]\n"
    "  runner-start NAME SPEC | runner-status NAME | runner-stop NAME\n"
    "  runner-join NAME | coordinator-stop C | coordinator-join C\n"
    "  coordinator-status C\n"
    "COMPONENTS is a JSON array with one entry per component, or @PATH, or - "
    "(stdin).\n"
    "VALUE is a tensor as nested JSON arrays (a bare scalar for shape []), or "
    "@PATH, or -.\n";

// What one ctl command needs: the session, the global options and its own
// positional arguments (after the command name).
struct CtlContext {
  Session& session;
  const NodeOptions& options;
  const Flags& flags;
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

absl::Status NeedArgs(const CtlContext& ctx, size_t count, const char* usage) {
  if (ctx.args.size() != count) {
    return absl::InvalidArgumentError(
        absl::StrCat("usage: troupe ctl ", usage));
  }
  return absl::OkStatus();
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
  TROUPE_RETURN_IF_ERROR(
      NeedArgs(ctx, 1, "queue-create NAME --type T --capacity N --dtypes D"));
  if (!ctx.flags.Has("capacity") || !ctx.flags.Has("dtypes")) {
    return absl::InvalidArgumentError(
        "queue-create needs --capacity and --dtypes");
  }
  QueueSpec spec;
  TROUPE_ASSIGN_OR_RETURN(spec.kind,
                          ParseQueueKind(ctx.flags.Get("type", "fifo")));
  int32_t capacity = 0;
  if (!absl::SimpleAtoi(ctx.flags.Get("capacity"), &capacity)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid capacity '", ctx.flags.Get("capacity"), "'"));
  }
  spec.capacity = capacity;
  for (absl::string_view name : absl::StrSplit(ctx.flags.Get("dtypes"), ',')) {
    TROUPE_ASSIGN_OR_RETURN(DType dtype, ParseDType(name));
    spec.dtypes.push_back(dtype);
  }
  if (ctx.flags.Has("shapes")) {
    TROUPE_ASSIGN_OR_RETURN(json shapes,
                            ReadJsonArgument(ctx.flags.Get("shapes")));
    TROUPE_ASSIGN_OR_RETURN(spec.shapes, ShapesFromJson(shapes));
  }
  if (ctx.flags.Has("min-after-dequeue")) {
    TROUPE_ASSIGN_OR_RETURN(
        spec.min_after_dequeue,
        ParseCount("min_after_dequeue", ctx.flags.Get("min-after-dequeue")));
  }
  if (ctx.flags.Has("seed") &&
      !absl::SimpleAtoi(ctx.flags.Get("seed"), &spec.seed)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid seed '", ctx.flags.Get("seed"), "'"));
  }
  if (ctx.flags.switches.count("durable") > 0) {
    TROUPE_ASSIGN_OR_RETURN(spec.durability, ParseAppendfsync(ctx.flags.Get(
                                                 "appendfsync", "everysec")));
  } else if (ctx.flags.Has("appendfsync")) {
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
  TROUPE_RETURN_IF_ERROR(NeedArgs(
      ctx, 2,
      many ? "enqueue-many NAME COMPONENTS" : "enqueue NAME COMPONENTS"));
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
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "dequeue NAME"));
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_ASSIGN_OR_RETURN(Tuple tuple, queue->dequeue(ctx.timeout));
  return TensorsOutput{std::move(tuple)};
}

absl::StatusOr<CtlOutput> DequeueBatch(const CtlContext& ctx, bool up_to) {
  TROUPE_RETURN_IF_ERROR(
      NeedArgs(ctx, 2, up_to ? "dequeue-up-to NAME N" : "dequeue-many NAME N"));
  TROUPE_ASSIGN_OR_RETURN(int32_t n, ParseCount("count", ctx.args[1]));
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_ASSIGN_OR_RETURN(Tuple batch,
                          up_to ? queue->dequeue_up_to(n, ctx.timeout)
                                : queue->dequeue_many(n, ctx.timeout));
  return TensorsOutput{std::move(batch)};
}

absl::StatusOr<json> Close(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(
      NeedArgs(ctx, 1, "close NAME [--cancel-pending-enqueues]"));
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_RETURN_IF_ERROR(queue->close(
      ctx.flags.switches.count("cancel-pending-enqueues") > 0, ctx.timeout));
  return json{{"closed", true}};
}

absl::StatusOr<json> Size(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "size NAME"));
  TROUPE_ASSIGN_OR_RETURN(auto queue, OpenQueue(ctx));
  TROUPE_ASSIGN_OR_RETURN(int32_t size, queue->size());
  return json(size);
}

absl::StatusOr<json> IsClosed(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "is-closed NAME"));
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
  TROUPE_RETURN_IF_ERROR(
      NeedArgs(ctx, 1, "variable-create NAME --dtype float32 --shape '[2]'"));
  if (!ctx.flags.Has("dtype") || !ctx.flags.Has("shape")) {
    return absl::InvalidArgumentError(
        "variable-create needs --dtype and --shape");
  }
  VariableOptions options;
  TROUPE_ASSIGN_OR_RETURN(options.dtype, ParseDType(ctx.flags.Get("dtype")));
  TROUPE_ASSIGN_OR_RETURN(json shape, ReadJsonArgument(ctx.flags.Get("shape")));
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
  const char* usage = kind == UpdateKind::kAssign
                          ? "assign NAME VALUE [--no-validate-shape]"
                      : kind == UpdateKind::kAdd ? "assign-add NAME VALUE"
                                                 : "assign-sub NAME VALUE";
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 2, usage));
  TROUPE_ASSIGN_OR_RETURN(auto variable, OpenVariable(ctx));
  TROUPE_ASSIGN_OR_RETURN(std::string value, ReadTextArgument(ctx.args[1]));
  TROUPE_ASSIGN_OR_RETURN(Tensor tensor,
                          TensorFromJson(value, variable->spec().dtype));
  absl::StatusOr<Tensor> result;
  switch (kind) {
    case UpdateKind::kAssign:
      result =
          variable->assign(std::move(tensor),
                           ctx.flags.switches.count("no-validate-shape") == 0);
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
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "read NAME"));
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

// The integer option --NAME, or 0 when not given. Negative values reach the
// task, which refuses them with TensorFlow's text.
absl::StatusOr<int64_t> IntFlag(const CtlContext& ctx, const char* name) {
  if (!ctx.flags.Has(name)) return 0;
  int64_t value = 0;
  if (!absl::SimpleAtoi(ctx.flags.Get(name), &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid --", name, " '", ctx.flags.Get(name), "'"));
  }
  return value;
}

absl::StatusOr<json> ReaderCreate(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(
      ctx, 1,
      "reader-create NAME --type identity|text_line|fixed_length_record|"
      "tf_record|whole_file [options]"));
  ReaderSpec spec;
  spec.type = ctx.flags.Get("type", "identity");
  TROUPE_ASSIGN_OR_RETURN(spec.skip_header_lines,
                          IntFlag(ctx, "skip-header-lines"));
  TROUPE_ASSIGN_OR_RETURN(spec.record_bytes, IntFlag(ctx, "record-bytes"));
  TROUPE_ASSIGN_OR_RETURN(spec.header_bytes, IntFlag(ctx, "header-bytes"));
  TROUPE_ASSIGN_OR_RETURN(spec.footer_bytes, IntFlag(ctx, "footer-bytes"));
  TROUPE_ASSIGN_OR_RETURN(spec.hop_bytes, IntFlag(ctx, "hop-bytes"));
  spec.compression = ctx.flags.Get("compression");
  spec.skip_corrupt = ctx.flags.switches.count("skip-corrupt") > 0;
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
  if (!ctx.flags.Has("queue")) {
    return absl::InvalidArgumentError(
        "reader-read and reader-read-up-to need --queue Q");
  }
  return ctx.flags.Get("queue");
}

absl::StatusOr<json> ReaderRead(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "reader-read NAME --queue Q"));
  TROUPE_ASSIGN_OR_RETURN(std::string queue, QueueFlag(ctx));
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_ASSIGN_OR_RETURN(KeyValue record, reader->read(queue, ctx.timeout));
  return json{{"key", StringElementToJson(record.key)},
              {"value", StringElementToJson(record.value)}};
}

absl::StatusOr<json> ReaderReadUpTo(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(
      NeedArgs(ctx, 2, "reader-read-up-to NAME N --queue Q"));
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
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "reader-stats NAME"));
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_ASSIGN_OR_RETURN(ReaderCounters counters, reader->counters());
  return json{{"records_produced", counters.records_produced},
              {"work_units_completed", counters.work_units_completed},
              {"records_skipped", counters.records_skipped}};
}

absl::StatusOr<json> ReaderReset(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "reader-reset NAME"));
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_RETURN_IF_ERROR(reader->reset());
  return json{{"reset", true}};
}

absl::StatusOr<json> ReaderSerialize(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "reader-serialize NAME"));
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_ASSIGN_OR_RETURN(std::string state, reader->serialize_state());
  return json{{"state", absl::Base64Escape(state)}};
}

absl::StatusOr<json> ReaderRestore(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 2, "reader-restore NAME BASE64"));
  std::string state;
  if (!absl::Base64Unescape(ctx.args[1], &state)) {
    return absl::InvalidArgumentError("The state is not valid base64");
  }
  TROUPE_ASSIGN_OR_RETURN(auto reader, OpenReader(ctx));
  TROUPE_RETURN_IF_ERROR(reader->restore_state(state));
  return json{{"restored", true}};
}

absl::StatusOr<json> TFRecordWrite(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(
      ctx, 2, "tfrecord-write PATH RECORDS [--compression GZIP|ZLIB]"));
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
      int64_t bytes,
      WriteTFRecordFile(
          ctx.session, ctx.args[0],
          std::vector<std::string>(strings.begin(), strings.end()),
          ctx.flags.Get("compression"), ctx.device));
  return json{{"path", ctx.args[0]},
              {"records", static_cast<int64_t>(strings.size())},
              {"bytes", bytes}};
}

// --- End of readers ----------------------------------------------------------

absl::StatusOr<json> List(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 0, "list"));
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
    if (info.spec.durability != Durability::kNone)
      resources.back()["durability"] = DurabilityName(info.spec.durability);
  }
  return resources;
}

// Every task of the spec given with --cluster: up with its incarnation,
// uptime, restarts (under `troupe up`) and resource counts, or down with the
// reason. Each task is asked directly, on its own address.
absl::StatusOr<json> Status(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 0, "status --cluster FILE"));
  if (!ctx.flags.Has("cluster")) {
    return absl::InvalidArgumentError("status needs --cluster FILE");
  }
  TROUPE_ASSIGN_OR_RETURN(ClusterSpec spec,
                          ClusterSpec::LoadFile(ctx.flags.Get("cluster")));
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
  TROUPE_RETURN_IF_ERROR(
      NeedArgs(ctx, 0, "stats [--cluster FILE] [--format json|prometheus]"));
  const std::string format = ctx.flags.Get("format", "json");
  if (format != "json" && format != "prometheus") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format must be json or prometheus, not '", format, "'"));
  }
  std::vector<TaskStats> tasks;
  if (ctx.flags.Has("cluster")) {
    TROUPE_ASSIGN_OR_RETURN(ClusterSpec spec,
                            ClusterSpec::LoadFile(ctx.flags.Get("cluster")));
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
    task.address = ctx.flags.Get("target");
    tasks.push_back(std::move(task));
  }
  if (format == "prometheus") return json(StatsToPrometheus(tasks));
  return StatsToJson(tasks);
}

// The terminal view of `ctl watch` (cli/ctl_watch.h) over every task of
// --cluster (a session each, kept between screens), else the target.
int Watch(const CtlContext& ctx) {
  if (absl::Status args = NeedArgs(ctx, 0, "watch [--cluster FILE]");
      !args.ok()) {
    return Fail(args);
  }
  struct Watched {
    std::string device;
    std::string address;
    std::unique_ptr<Session> session;  // null: the context's
  };
  std::vector<Watched> watched;
  if (ctx.flags.Has("cluster")) {
    absl::StatusOr<ClusterSpec> spec =
        ClusterSpec::LoadFile(ctx.flags.Get("cluster"));
    if (!spec.ok()) return Fail(spec.status());
    for (const TaskId& id : spec->Tasks()) {
      const std::string address = spec->Address(id)->ToString();
      watched.push_back(
          Watched{id.ToDevice(), address,
                  std::make_unique<Session>(address, ctx.options)});
    }
  } else {
    watched.push_back(Watched{ctx.device, ctx.flags.Get("target"), nullptr});
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
  TROUPE_RETURN_IF_ERROR(NeedArgs(
      ctx, 1,
      "decode-csv RECORDS --dtypes float32,int32 --defaults '[[1.0],[]]' "
      "[--field-delim C] [--no-quote-delim] [--na-value S] [--select-cols "
      "0,2]"));
  if (!ctx.flags.Has("dtypes") || !ctx.flags.Has("defaults")) {
    return absl::InvalidArgumentError(
        "decode-csv needs --dtypes and --defaults (one [value] or [] per "
        "column)");
  }
  TROUPE_ASSIGN_OR_RETURN(std::string records_json,
                          ReadTextArgument(ctx.args[0]));
  TROUPE_ASSIGN_OR_RETURN(Tensor records,
                          TensorFromJson(records_json, DType::kString));
  std::vector<DType> dtypes;
  for (absl::string_view name : absl::StrSplit(ctx.flags.Get("dtypes"), ',')) {
    TROUPE_ASSIGN_OR_RETURN(DType dtype, ParseDType(name));
    dtypes.push_back(dtype);
  }
  TROUPE_ASSIGN_OR_RETURN(std::string defaults_text,
                          ReadTextArgument(ctx.flags.Get("defaults")));
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
  options.field_delim = ctx.flags.Get("field-delim", ",");
  options.use_quote_delim = ctx.flags.switches.count("no-quote-delim") == 0;
  options.na_value = ctx.flags.Get("na-value");
  if (ctx.flags.Has("select-cols")) {
    for (absl::string_view column :
         absl::StrSplit(ctx.flags.Get("select-cols"), ',')) {
      int64_t index = 0;
      if (!absl::SimpleAtoi(column, &index)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "Invalid --select-cols '", ctx.flags.Get("select-cols"), "'"));
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
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 2, "runner-start NAME 'SPEC'|@FILE"));
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
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "runner-... NAME"));
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
  if (ctx.flags.Has("cluster")) {
    TROUPE_ASSIGN_OR_RETURN(ClusterSpec spec,
                            ClusterSpec::LoadFile(ctx.flags.Get("cluster")));
    for (const TaskId& task : spec.Tasks()) devices.push_back(task.ToDevice());
  } else if (!ctx.device.empty()) {
    devices.push_back(ctx.device);
  }
  return devices;
}

absl::StatusOr<json> Save(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(
      ctx, 1,
      "save PREFIX [--containers A,B] [--include-queues] [--max-to-keep N] "
      "[--cluster FILE]"));
  SaverOptions options;
  if (ctx.flags.Has("containers")) {
    options.containers = absl::StrSplit(ctx.flags.Get("containers"), ',');
  }
  options.include_queues = ctx.flags.switches.count("include-queues") > 0;
  if (ctx.flags.Has("max-to-keep")) {
    TROUPE_ASSIGN_OR_RETURN(
        options.max_to_keep,
        ParseCount("max-to-keep", ctx.flags.Get("max-to-keep")));
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
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "restore PREFIX [--cluster FILE]"));
  Saver saver(ctx.session);
  TROUPE_ASSIGN_OR_RETURN(int64_t tensors,
                          saver.restore(ctx.args[0], ctx.timeout));
  return json{{"prefix", ctx.args[0]}, {"tensors", tensors}};
}

absl::StatusOr<json> Checkpoints(const CtlContext& ctx) {
  TROUPE_RETURN_IF_ERROR(NeedArgs(ctx, 1, "checkpoints DIR"));
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

const std::map<std::string, Command>& Commands() {
  static const auto* commands = new std::map<std::string, Command>{
      {"queue-create", QueueCreate},
      {"enqueue", [](const CtlContext& ctx) { return Enqueue(ctx, false); }},
      {"enqueue-many",
       [](const CtlContext& ctx) { return Enqueue(ctx, true); }},
      {"dequeue", Dequeue},
      {"dequeue-many",
       [](const CtlContext& ctx) { return DequeueBatch(ctx, false); }},
      {"dequeue-up-to",
       [](const CtlContext& ctx) { return DequeueBatch(ctx, true); }},
      {"close", Close},
      {"size", Size},
      {"is-closed", IsClosed},
      {"reset", Reset},
      {"list", List},
      {"status", Status},
      {"stats", Stats},
      // Variables.
      {"variable-create", VariableCreate},
      {"assign",
       [](const CtlContext& ctx) {
         return UpdateVariable(ctx, UpdateKind::kAssign);
       }},
      {"assign-add",
       [](const CtlContext& ctx) {
         return UpdateVariable(ctx, UpdateKind::kAdd);
       }},
      {"assign-sub",
       [](const CtlContext& ctx) {
         return UpdateVariable(ctx, UpdateKind::kSub);
       }},
      {"read", Read},
      // Checkpoints.
      {"save", Save},
      {"restore", Restore},
      {"checkpoints", Checkpoints},
      // Readers.
      {"reader-create", ReaderCreate},
      {"reader-read", ReaderRead},
      {"reader-read-up-to", ReaderReadUpTo},
      {"reader-stats", ReaderStats},
      {"reader-reset", ReaderReset},
      {"reader-serialize", ReaderSerialize},
      {"reader-restore", ReaderRestore},
      {"tfrecord-write", TFRecordWrite},
      {"decode-csv", DecodeCsvCommand},
      // Queue runners.
      {"runner-start", RunnerStart},
      {"runner-status",
       [](const CtlContext& ctx) {
         return RunnerVerb(ctx, RunnerCall::kStatus);
       }},
      {"runner-stop",
       [](const CtlContext& ctx) {
         return RunnerVerb(ctx, RunnerCall::kStop);
       }},
      {"runner-join",
       [](const CtlContext& ctx) {
         return RunnerVerb(ctx, RunnerCall::kJoin);
       }},
      {"coordinator-stop",
       [](const CtlContext& ctx) {
         return RunnerVerb(ctx, RunnerCall::kStopCoordinator);
       }},
      {"coordinator-join",
       [](const CtlContext& ctx) {
         return RunnerVerb(ctx, RunnerCall::kJoinCoordinator);
       }},
      {"coordinator-status",
       [](const CtlContext& ctx) {
         return RunnerVerb(ctx, RunnerCall::kCoordinatorStatus);
       }},
  };
  return *commands;
}

}  // namespace

int RunCtl(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << kCtlUsage;
    return 0;
  }
  std::set<std::string> with_value = NodeFlagNames();
  with_value.insert({"target",
                     "device",
                     "container",
                     "timeout",
                     "type",
                     "capacity",
                     "dtypes",
                     "shapes",
                     "min-after-dequeue",
                     "seed",
                     "appendfsync",
                     "cluster",
                     "format",
                     /* decode-csv: */ "defaults",
                     "field-delim",
                     "na-value",
                     "select-cols",
                     /* variables: */ "dtype",
                     "shape",
                     /* checkpoints: */ "containers",
                     "max-to-keep",
                     /* readers: */ "queue",
                     "skip-header-lines",
                     "record-bytes",
                     "header-bytes",
                     "footer-bytes",
                     "hop-bytes",
                     "compression"});
  auto flags = ParseFlags(
      args, with_value,
      {"cancel-pending-enqueues", "durable",
       /* variables: */ "no-validate-shape",
       /* checkpoints: */ "include-queues", /* readers: */ "skip-corrupt",
       /* decode-csv: */ "no-quote-delim"});
  if (!flags.ok()) return Fail(flags.status());
  // The error comes first: the contract is `CODE: message` on stderr's first
  // line.
  bool needs_target =
      flags->positional.empty() ||
      !(flags->positional[0] == "status" ||
        flags->positional[0] == "decode-csv" ||
        ((flags->positional[0] == "stats" || flags->positional[0] == "watch") &&
         flags->Has("cluster")));
  if (flags->positional.empty() || (needs_target && !flags->Has("target"))) {
    Fail(absl::InvalidArgumentError("ctl needs --target and a command"));
    std::cerr << kCtlUsage;
    return 1;
  }
  const bool watch = flags->positional[0] == "watch";
  auto command = Commands().find(flags->positional[0]);
  if (command == Commands().end() && !watch) {
    Fail(absl::InvalidArgumentError(
        absl::StrCat("Unknown ctl command '", flags->positional[0], "'")));
    std::cerr << kCtlUsage;
    return 1;
  }
  auto timeout = ParseTimeout(flags->Get("timeout", "inf"));
  if (!timeout.ok()) return Fail(timeout.status());
  std::optional<ClusterSpec> spec;
  if (flags->Has("cluster")) {
    auto loaded = ClusterSpec::LoadFile(flags->Get("cluster"));
    if (!loaded.ok()) return Fail(loaded.status());
    spec = *std::move(loaded);
  }
  auto options = NodeOptionsFrom(*flags, spec ? &*spec : nullptr);
  if (!options.ok()) return Fail(options.status());
  Session session(flags->Get("target"), *options);
  CtlContext ctx{session,
                 *options,
                 *flags,
                 std::vector<std::string>(flags->positional.begin() + 1,
                                          flags->positional.end()),
                 flags->Get("device"),
                 flags->Get("container"),
                 *timeout};
  if (watch) return Watch(ctx);
  // Strings in the output are valid UTF-8 (tensors print other bytes as
  // {"b64": ...}, names are checked at creation); should one not be, it
  // prints with U+FFFD rather than throw.
  std::string line;
  try {
    auto output = command->second(ctx);
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
    if (value.is_string() && ctx.flags.Has("format")) {
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
