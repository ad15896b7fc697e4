#include "config/cluster_spec.h"

#include <arpa/inet.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <map>
#include <set>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

#include "base/status_macros.h"
#include "config/resolve.h"

namespace troupe {
namespace {

using Json = nlohmann::json;

constexpr absl::string_view kAddressForms = "HOST:PORT or [IPV6]:PORT";
// Longest quotation of the input in a message, in bytes of the input.
constexpr size_t kMaxQuoteBytes = 40;
// Longest part of nlohmann's message (which may quote the input) kept in ours.
constexpr size_t kMaxParseDetailBytes = 240;

// Returns `status` with `prefix` put in front of its message; OK stays OK.
absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// Returns at most the first `max_bytes` bytes of `text` (with "..." if it is
// longer) escaped as inside a JSON string, in ASCII: input quoted in a
// message never carries control characters, invalid UTF-8 or megabytes.
std::string Escaped(absl::string_view text, size_t max_bytes = kMaxQuoteBytes) {
  const bool cut = text.size() > max_bytes;
  std::string quoted = Json(std::string(text.substr(0, max_bytes)))
                           .dump(-1, ' ', true, Json::error_handler_t::replace);
  quoted = quoted.substr(1, quoted.size() - 2);
  if (cut) quoted.append("...");
  return quoted;
}

// Parses a non-negative decimal integer that fits an int: digits only, no
// sign, no blanks.
std::optional<int> ParseIndex(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
    if (value > INT_MAX) return std::nullopt;
  }
  return static_cast<int>(value);
}

// Returns OK if `host` is a plausible host name, IPv4 or (when `ipv6`) IPv6
// address; else INVALID_ARGUMENT naming the fault.
absl::Status CheckHost(absl::string_view host, bool ipv6) {
  if (host.empty()) return absl::InvalidArgumentError("missing host");
  for (char c : host) {
    const bool ok = absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                    c == '.' || c == '-' || c == '_' ||
                    (ipv6 && (c == ':' || c == '%'));
    if (!ok) {
      if (c == ':') {
        return absl::InvalidArgumentError(
            "an IPv6 host must be in brackets, as in [::1]:2222");
      }
      return absl::InvalidArgumentError(
          absl::StrCat("invalid character '", Escaped(absl::string_view(&c, 1)),
                       "' in host '", Escaped(host), "'"));
    }
  }
  return absl::OkStatus();
}

// Parses the port of an address: 1..65535 in decimal.
absl::StatusOr<uint16_t> ParsePort(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("missing port");
  int64_t value = 0;
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(
          absl::StrCat("port '", Escaped(text), "' is not a number"));
    }
    if (value <= 65535) value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port ", Escaped(text), " is out of range 1..65535"));
  }
  return static_cast<uint16_t>(value);
}

// ParseTaskAddress without the message prefix.
absl::StatusOr<TaskAddress> ParseAddressFault(absl::string_view text) {
  absl::string_view host;
  absl::string_view rest;  // what follows the host: ":PORT" or ""
  bool ipv6 = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("missing ']' after an IPv6 host");
    }
    host = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    ipv6 = true;
    if (!rest.empty() && rest.front() != ':') {
      return absl::InvalidArgumentError("expected ':' after ']'");
    }
  } else {
    const size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos) {
      host = text;
    } else {
      host = text.substr(0, colon);
      rest = text.substr(colon);
    }
  }
  TROUPE_RETURN_IF_ERROR(CheckHost(host, ipv6));
  if (rest.empty()) return absl::InvalidArgumentError("missing port");
  TaskAddress address;
  address.host = std::string(host);
  TROUPE_ASSIGN_OR_RETURN(address.port, ParsePort(rest.substr(1)));
  return address;
}

// Returns OK if a programmatically built address is valid.
absl::Status CheckAddress(const TaskAddress& address) {
  TROUPE_RETURN_IF_ERROR(
      CheckHost(address.host, address.host.find(':') != std::string::npos));
  if (address.port == 0) {
    return absl::InvalidArgumentError("port 0 is out of range 1..65535");
  }
  return absl::OkStatus();
}

std::string DeviceOf(const std::string& job, int index) {
  return absl::StrCat("/job:", job, "/task:", index);
}

std::string JobList(const ClusterSpec::Jobs& jobs) {
  return absl::StrJoin(jobs, ", ", [](std::string* out, const auto& job) {
    out->append(job.first);
  });
}

// What makes two task addresses the same. Numeric hosts and "localhost"
// compare as the socket address they resolve to ("localhost:2222",
// "127.0.0.1:2222" are one; "::1" and "0:0::1" too); other names by their
// lower-cased text, since resolving them could wait on DNS for seconds each
// time a spec is read.
std::string AddressKey(const TaskAddress& address) {
  in6_addr numeric;
  const bool resolves_locally =
      absl::EqualsIgnoreCase(address.host, "localhost") ||
      inet_pton(AF_INET, address.host.c_str(), &numeric) == 1 ||
      inet_pton(AF_INET6, address.host.c_str(), &numeric) == 1;
  if (resolves_locally) {
    absl::StatusOr<SocketAddress> resolved =
        ResolveTaskAddress(address, AddressUse::kListen);
    if (resolved.ok()) return NumericAddress(*resolved);
  }
  return absl::AsciiStrToLower(address.ToString());
}

// Checks the invariants of ClusterSpec; the fault has no prefix.
absl::Status CheckJobs(const ClusterSpec::Jobs& jobs) {
  if (jobs.empty()) {
    return absl::InvalidArgumentError(
        "no jobs; expected {\"cluster\": {\"JOB\": [\"HOST:PORT\", ...]}}");
  }
  // AddressKey -> the first task that uses it.
  std::map<std::string, std::string> used;
  for (const auto& [job, tasks] : jobs) {
    TROUPE_RETURN_IF_ERROR(ValidateJobName(job));
    if (tasks.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("job '", job, "' has no tasks"));
    }
    for (const auto& [index, address] : tasks) {
      if (index < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("job '", job, "' has a negative task index ", index));
      }
      const std::string device = DeviceOf(job, index);
      absl::Status status = CheckAddress(address);
      if (!status.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("task ", device, " has an invalid address '",
                         address.ToString(), "': ", status.message()));
      }
      const std::string key = AddressKey(address);
      auto [it, inserted] = used.emplace(key, device);
      if (!inserted) {
        const std::string text = address.ToString();
        return absl::InvalidArgumentError(absl::StrCat(
            "tasks ", it->second, " and ", device, " have the same address ",
            text, key == absl::AsciiStrToLower(text) ? "" : " (" + key + ")"));
      }
    }
  }
  return absl::OkStatus();
}

// Returns a short rendering of a JSON value for a message: a scalar as JSON
// (a string escaped and cut as Escaped cuts it), an array or object by its
// size. Never dumps a container, however large or deep.
std::string Shorten(const Json& value) {
  if (value.is_array()) {
    return absl::StrCat("an array of ", value.size(), " elements");
  }
  if (value.is_object()) {
    return absl::StrCat("an object of ", value.size(), " keys");
  }
  if (value.is_string()) {
    return absl::StrCat("\"", Escaped(value.get_ref<const std::string&>()),
                        "\"");
  }
  return value.dump(-1, ' ', true, Json::error_handler_t::replace);
}

// Parses JSON text. Rejects an object with a repeated key, which nlohmann
// would otherwise resolve silently by keeping the last value. The fault has
// no prefix.
absl::StatusOr<Json> ParseJson(absl::string_view text) {
  std::vector<std::set<std::string>> keys;  // one set per open object
  std::optional<std::string> repeated;
  bool too_deep = false;
  // Returning false for a start event discards that array or object: nothing
  // deeper than kMaxClusterSpecDepth is built (nlohmann's parser itself does
  // not recurse; dumping a deep value, as a message might, does).
  auto callback = [&keys, &repeated, &too_deep](
                      int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::array_start:
        if (depth >= kMaxClusterSpecDepth) {
          too_deep = true;
          return false;
        }
        break;
      case Json::parse_event_t::object_start:
        if (depth >= kMaxClusterSpecDepth) {
          too_deep = true;
          return false;
        }
        keys.emplace_back();
        break;
      case Json::parse_event_t::key:
        if (!keys.empty() && parsed.is_string()) {
          const auto& key = parsed.get_ref<const std::string&>();
          if (!keys.back().insert(key).second && !repeated) repeated = key;
        }
        break;
      case Json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  Json doc;
  try {
    doc = Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::parse_error& e) {
    // e.byte counts the characters read, the offending one (or the end of
    // the input) included.
    size_t line = 1;
    size_t column = 0;
    for (size_t i = 0; i < e.byte; ++i) {
      if (i < text.size() && text[i] == '\n') {
        ++line;
        column = 0;
      } else {
        ++column;
      }
    }
    // Keep nlohmann's description, without its "[json.exception...] parse
    // error at line L, column C: " preamble.
    absl::string_view what = e.what();
    const size_t at = what.find("column ");
    if (at != absl::string_view::npos) {
      const size_t colon = what.find(": ", at);
      if (colon != absl::string_view::npos) what.remove_prefix(colon + 2);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at line ", line, ", column ", column, ": ",
                     Escaped(what, kMaxParseDetailBytes)));
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid JSON: ", Escaped(e.what(), kMaxParseDetailBytes)));
  }
  if (too_deep) {
    return absl::InvalidArgumentError(absl::StrCat(
        "JSON nested deeper than ", kMaxClusterSpecDepth, " levels"));
  }
  if (repeated) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key \"", Escaped(*repeated), "\" appears twice in one object"));
  }
  return doc;
}

// Reads the tasks of one job: a list of addresses, or TF's sparse form, an
// object from decimal index to address.
absl::StatusOr<std::map<int, TaskAddress>> ReadJob(const std::string& job,
                                                   const Json& value) {
  std::map<int, TaskAddress> tasks;
  auto add = [&](int index, const Json& address) -> absl::Status {
    const std::string device = DeviceOf(job, index);
    if (!address.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("task ", device, " has a non-string address ",
                       Shorten(address), "; expected \"HOST:PORT\""));
    }
    const auto& text = address.get_ref<const std::string&>();
    absl::StatusOr<TaskAddress> parsed = ParseAddressFault(text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "task ", device, " has an invalid address '", Escaped(text),
          "': ", parsed.status().message(), "; expected ", kAddressForms));
    }
    if (!tasks.emplace(index, *std::move(parsed)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("job '", job, "' lists task index ", index, " twice"));
    }
    return absl::OkStatus();
  };
  if (value.is_array()) {
    int index = 0;
    for (const Json& address : value) {
      TROUPE_RETURN_IF_ERROR(add(index++, address));
    }
  } else if (value.is_object()) {
    for (const auto& [key, address] : value.items()) {
      std::optional<int> index = ParseIndex(key);
      if (!index) {
        return absl::InvalidArgumentError(
            absl::StrCat("job '", job, "' has an invalid task index '",
                         Escaped(key), "'; expected a non-negative integer"));
      }
      TROUPE_RETURN_IF_ERROR(add(*index, address));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("job '", job,
                     "' must be a list [\"HOST:PORT\", ...] or an object "
                     "{\"INDEX\": \"HOST:PORT\", ...}, got ",
                     value.type_name(), " ", Shorten(value)));
  }
  return tasks;
}

// Reads a cluster spec from a parsed document in any accepted form. The fault
// has no prefix.
absl::StatusOr<ClusterSpec::Jobs> ReadJobs(const Json& doc) {
  if (!doc.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a JSON object, got ", doc.type_name()));
  }
  const Json* cluster = &doc;
  if (auto it = doc.find("cluster"); it != doc.end()) {
    if (!it->is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"cluster\" must be an object {\"JOB\": [\"HOST:PORT\", ...]}, got ",
          it->type_name()));
    }
    cluster = &*it;
  }
  ClusterSpec::Jobs jobs;
  for (const auto& [job, value] : cluster->items()) {
    if (cluster == &doc && job == "tls") {
      return absl::InvalidArgumentError(
          "a \"tls\" section needs the wrapped form {\"cluster\": {...}, "
          "\"tls\": {...}}");
    }
    TROUPE_RETURN_IF_ERROR(ValidateJobName(job));
    TROUPE_ASSIGN_OR_RETURN(jobs[job], ReadJob(job, value));
  }
  TROUPE_RETURN_IF_ERROR(CheckJobs(jobs));
  return jobs;
}

// Reads the optional "tls" section of a wrapped spec. Relative paths are
// taken from `base_dir` (when not empty). The fault has no prefix.
absl::StatusOr<std::optional<TlsFiles>> ReadTls(const Json& doc,
                                                const std::string& base_dir) {
  auto it = doc.find("tls");
  if (!doc.contains("cluster") || it == doc.end()) return std::nullopt;
  constexpr absl::string_view kForm =
      "expected {\"certificate\": PATH, \"key\": PATH, \"ca\": PATH}";
  if (!it->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"tls\" must be an object ", kForm, ", got ", it->type_name()));
  }
  std::map<std::string, std::string> paths = {
      {"certificate", ""}, {"key", ""}, {"ca", ""}};
  for (const auto& [key, value] : it->items()) {
    auto path = paths.find(key);
    if (path == paths.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown key \"", Escaped(key), "\" in \"tls\"; ", kForm));
    }
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"tls\".\"", key, "\" must be a non-empty path, got ",
                       Shorten(value)));
    }
    path->second = value.get<std::string>();
    if (!base_dir.empty() && path->second.front() != '/') {
      path->second = absl::StrCat(base_dir, "/", path->second);
    }
  }
  for (const auto& [key, path] : paths) {
    if (path.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"tls\" lacks \"", key, "\"; ", kForm));
    }
  }
  return TlsFiles{paths["certificate"], paths["key"], paths["ca"]};
}

// Reads the optional "heartbeat_timeout" of a wrapped spec, e.g. "4s". The
// fault has no prefix.
absl::StatusOr<std::optional<absl::Duration>> ReadHeartbeatTimeout(
    const Json& doc) {
  auto it = doc.find("heartbeat_timeout");
  if (!doc.contains("cluster") || it == doc.end()) return std::nullopt;
  absl::Duration timeout;
  if (!it->is_string() ||
      !absl::ParseDuration(it->get_ref<const std::string&>(), &timeout) ||
      timeout < absl::Milliseconds(10) || timeout > absl::Hours(1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"heartbeat_timeout\" must be a duration from \"10ms\" to \"1h\" "
        "such as \"4s\", got ",
        Shorten(*it)));
  }
  return timeout;
}

// A parsed spec before it becomes a ClusterSpec.
struct SpecParts {
  ClusterSpec::Jobs jobs;
  std::optional<TlsFiles> tls;
  std::optional<absl::Duration> heartbeat_timeout;
};

// ClusterSpec::Parse without the message prefix; relative TLS paths are taken
// from `base_dir`.
absl::StatusOr<SpecParts> ParseSpec(absl::string_view json_text,
                                    const std::string& base_dir) {
  TROUPE_ASSIGN_OR_RETURN(Json doc, ParseJson(json_text));
  SpecParts parts;
  TROUPE_ASSIGN_OR_RETURN(parts.jobs, ReadJobs(doc));
  TROUPE_ASSIGN_OR_RETURN(parts.tls, ReadTls(doc, base_dir));
  TROUPE_ASSIGN_OR_RETURN(parts.heartbeat_timeout, ReadHeartbeatTimeout(doc));
  return parts;
}

// Reads TF_CONFIG's "task"; the fault has no prefix.
absl::StatusOr<std::optional<TaskId>> ReadTfTask(const Json& doc) {
  auto it = doc.find("task");
  if (it == doc.end() || it->is_null() || (it->is_object() && it->empty())) {
    return std::optional<TaskId>();
  }
  if (!it->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"task\" must be an object {\"type\": JOB, \"index\": INDEX}, got ",
        it->type_name()));
  }
  TaskId task;
  auto type = it->find("type");
  if (type == it->end() || !type->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"task\" needs a string \"type\" naming a job, got ", Shorten(*it)));
  }
  task.job = type->get<std::string>();
  auto index = it->find("index");
  if (index != it->end()) {
    std::optional<int> value;
    if (index->is_number_unsigned()) {
      const auto number = index->get<uint64_t>();
      if (number <= static_cast<uint64_t>(INT_MAX)) {
        value = static_cast<int>(number);
      }
    } else if (index->is_string()) {
      value = ParseIndex(index->get_ref<const std::string&>());
    }
    if (!value) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"task\" has an invalid \"index\" ", Shorten(*index),
                       "; expected a non-negative integer"));
    }
    task.index = *value;
  }
  return std::optional<TaskId>(std::move(task));
}

}  // namespace

std::string TaskAddress::ToString() const {
  if (host.find(':') != std::string::npos) {
    return absl::StrCat("[", host, "]:", port);
  }
  return absl::StrCat(host, ":", port);
}

std::string TaskId::ToDevice() const { return DeviceOf(job, index); }

absl::StatusOr<TaskAddress> ParseTaskAddress(absl::string_view text) {
  absl::StatusOr<TaskAddress> address = ParseAddressFault(text);
  if (!address.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Invalid task address '", Escaped(text),
        "': ", address.status().message(), "; expected ", kAddressForms));
  }
  return address;
}

absl::Status ValidateJobName(absl::string_view job) {
  bool ok = !job.empty();
  for (char c : job) {
    ok = ok && (absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid job name '", Escaped(job),
        "'; a job name is letters, digits, '_' and '-', and not empty"));
  }
  return absl::OkStatus();
}

absl::StatusOr<TaskId> ParseDevice(absl::string_view device) {
  auto invalid = [device] {
    return absl::InvalidArgumentError(
        absl::StrCat("Invalid device name '", Escaped(device),
                     "'; expected /job:JOB/task:INDEX"));
  };
  if (device.empty() || device.front() != '/') return invalid();
  std::vector<absl::string_view> parts = absl::StrSplit(device.substr(1), '/');
  size_t next = 0;
  auto take =
      [&](absl::string_view prefix) -> std::optional<absl::string_view> {
    if (next < parts.size() && absl::StartsWith(parts[next], prefix)) {
      return parts[next++].substr(prefix.size());
    }
    return std::nullopt;
  };
  TaskId task;
  std::optional<absl::string_view> job = take("job:");
  if (!job || !ValidateJobName(*job).ok()) return invalid();
  task.job = std::string(*job);
  if (std::optional<absl::string_view> replica = take("replica:")) {
    if (*replica != "0") return invalid();
  }
  std::optional<absl::string_view> index_text = take("task:");
  if (!index_text) return invalid();
  std::optional<int> index = ParseIndex(*index_text);
  if (!index) return invalid();
  task.index = *index;
  // An optional device part: "device:TYPE:N", "cpu:N" or "gpu:N".
  if (next < parts.size()) {
    std::vector<absl::string_view> fields = absl::StrSplit(parts[next++], ':');
    bool ok = false;
    if (fields.size() == 3 && fields[0] == "device" && !fields[1].empty()) {
      ok = ParseIndex(fields[2]).has_value();
      for (char c : fields[1]) {
        ok = ok &&
             (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_');
      }
    } else if (fields.size() == 2 &&
               (fields[0] == "cpu" || fields[0] == "gpu")) {
      ok = ParseIndex(fields[1]).has_value();
    }
    if (!ok) return invalid();
  }
  if (next != parts.size()) return invalid();
  return task;
}

absl::StatusOr<ClusterSpec> ClusterSpec::FromJobs(Jobs jobs) {
  TROUPE_RETURN_IF_ERROR(Prefixed(CheckJobs(jobs), "Invalid cluster spec: "));
  return ClusterSpec(std::move(jobs), std::nullopt, std::nullopt);
}

absl::StatusOr<ClusterSpec> ClusterSpec::Parse(absl::string_view json_text) {
  absl::StatusOr<SpecParts> parts = ParseSpec(json_text, "");
  if (!parts.ok()) return Prefixed(parts.status(), "Invalid cluster spec: ");
  return ClusterSpec(std::move(parts->jobs), std::move(parts->tls),
                     parts->heartbeat_timeout);
}

absl::StatusOr<ClusterSpec> ClusterSpec::LoadFile(const std::string& path) {
  const std::string prefix = absl::StrCat("cluster spec ", path, ": ");
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const int error = errno;
    const std::string message = absl::StrCat(
        prefix, "cannot open: ", std::generic_category().message(error));
    if (error == ENOENT || error == ENOTDIR) {
      return absl::NotFoundError(message);
    }
    return absl::InvalidArgumentError(message);
  }
  std::string text;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    text.append(buffer, n);
  }
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "cannot read: ", std::generic_category().message(error)));
  }
  const size_t slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "."
                               : slash == 0               ? "/"
                                            : path.substr(0, slash);
  absl::StatusOr<SpecParts> parts = ParseSpec(text, base_dir);
  if (!parts.ok()) return Prefixed(parts.status(), prefix);
  return ClusterSpec(std::move(parts->jobs), std::move(parts->tls),
                     parts->heartbeat_timeout);
}

std::vector<TaskId> ClusterSpec::Tasks() const {
  std::vector<TaskId> tasks;
  for (const auto& [job, indices] : jobs_) {
    for (const auto& entry : indices) tasks.push_back(TaskId{job, entry.first});
  }
  return tasks;
}

absl::StatusOr<TaskAddress> ClusterSpec::Address(const TaskId& task) const {
  if (auto job = jobs_.find(task.job); job != jobs_.end()) {
    if (auto it = job->second.find(task.index); it != job->second.end()) {
      return it->second;
    }
  }
  return absl::NotFoundError(
      absl::StrCat("No task ", task.ToDevice(),
                   " in the cluster spec (jobs: ", JobList(jobs_), ")"));
}

std::string ClusterSpec::ToJson() const {
  Json cluster = Json::object();
  for (const auto& [job, tasks] : jobs_) {
    // Indices are distinct, sorted and non-negative: 0..n-1 iff the last is
    // n-1.
    const bool dense = !tasks.empty() && tasks.rbegin()->first ==
                                             static_cast<int>(tasks.size()) - 1;
    Json entry = dense ? Json::array() : Json::object();
    for (const auto& [index, address] : tasks) {
      if (dense) {
        entry.push_back(address.ToString());
      } else {
        entry[std::to_string(index)] = address.ToString();
      }
    }
    cluster[job] = std::move(entry);
  }
  Json doc = Json::object();
  doc["cluster"] = std::move(cluster);
  if (tls_) {
    doc["tls"] = {{"certificate", tls_->certificate},
                  {"key", tls_->key},
                  {"ca", tls_->ca}};
  }
  if (heartbeat_timeout_) {
    doc["heartbeat_timeout"] = absl::FormatDuration(*heartbeat_timeout_);
  }
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<TfConfig> ParseTfConfig(absl::string_view json_text) {
  constexpr absl::string_view kPrefix = "Invalid TF_CONFIG: ";
  absl::StatusOr<Json> doc = ParseJson(json_text);
  if (!doc.ok()) return Prefixed(doc.status(), kPrefix);
  if (!doc->is_object() || !doc->contains("cluster")) {
    return absl::InvalidArgumentError(absl::StrCat(
        kPrefix,
        "missing \"cluster\"; expected {\"cluster\": {...}, \"task\": "
        "{\"type\": JOB, \"index\": INDEX}}"));
  }
  absl::StatusOr<ClusterSpec::Jobs> jobs = ReadJobs(*doc);
  if (!jobs.ok()) return Prefixed(jobs.status(), kPrefix);
  TfConfig config;
  TROUPE_ASSIGN_OR_RETURN(config.cluster,
                          ClusterSpec::FromJobs(*std::move(jobs)));
  absl::StatusOr<std::optional<TaskId>> task = ReadTfTask(*doc);
  if (!task.ok()) return Prefixed(task.status(), kPrefix);
  config.task = *std::move(task);
  if (config.task && !config.cluster.Address(*config.task).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        kPrefix, "task ", config.task->ToDevice(),
        " is not in the cluster (jobs: ", JobList(config.cluster.jobs()), ")"));
  }
  return config;
}

}  // namespace troupe
