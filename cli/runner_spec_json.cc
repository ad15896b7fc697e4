#include "cli/runner_spec_json.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "base/status_macros.h"
#include "serialization/dtype.h"
#include "serialization/tensor_json.h"

namespace troupe::cli {
namespace {

using nlohmann::json;

absl::Status Invalid(const std::string& field, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("runner spec: \"", field, "\" ", what));
}

// Refuses keys of `object` that are not in `known`: a misspelt option must
// not be ignored.
absl::Status OnlyKeys(const json& object, const std::set<std::string>& known,
                      const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (known.count(key) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("runner spec: unknown field \"", key, "\" in ", where));
    }
  }
  return absl::OkStatus();
}

absl::Status GetInt(const json& object, const std::string& field,
                    int64_t* out) {
  auto it = object.find(field);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_number_integer()) return Invalid(field, "must be an integer");
  *out = it->get<int64_t>();
  return absl::OkStatus();
}

absl::Status GetBool(const json& object, const std::string& field, bool* out) {
  auto it = object.find(field);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_boolean()) return Invalid(field, "must be true or false");
  *out = it->get<bool>();
  return absl::OkStatus();
}

absl::Status GetString(const json& object, const std::string& field,
                       std::string* out) {
  auto it = object.find(field);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_string()) return Invalid(field, "must be a string");
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status GetStrings(const json& object, const std::string& field,
                        std::vector<std::string>* out) {
  auto it = object.find(field);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_array()) return Invalid(field, "must be an array of strings");
  for (const json& item : *it) {
    if (!item.is_string()) return Invalid(field, "must be an array of strings");
    out->push_back(item.get<std::string>());
  }
  return absl::OkStatus();
}

absl::StatusOr<ReaderSpec> InlineReader(const json& object) {
  TROUPE_RETURN_IF_ERROR(
      OnlyKeys(object,
               {"type", "skip_header_lines", "record_bytes", "header_bytes",
                "footer_bytes", "hop_bytes", "compression", "skip_corrupt"},
               "a reader"));
  ReaderSpec spec;
  TROUPE_RETURN_IF_ERROR(GetString(object, "type", &spec.type));
  TROUPE_RETURN_IF_ERROR(
      GetInt(object, "skip_header_lines", &spec.skip_header_lines));
  TROUPE_RETURN_IF_ERROR(GetInt(object, "record_bytes", &spec.record_bytes));
  TROUPE_RETURN_IF_ERROR(GetInt(object, "header_bytes", &spec.header_bytes));
  TROUPE_RETURN_IF_ERROR(GetInt(object, "footer_bytes", &spec.footer_bytes));
  TROUPE_RETURN_IF_ERROR(GetInt(object, "hop_bytes", &spec.hop_bytes));
  TROUPE_RETURN_IF_ERROR(GetString(object, "compression", &spec.compression));
  TROUPE_RETURN_IF_ERROR(GetBool(object, "skip_corrupt", &spec.skip_corrupt));
  return spec;
}

// The tensors of a producer source given in field `field`: one per entry
// of `dtypes`, each read from the entry of `components` at its index.
absl::StatusOr<Tuple> ProducerTensors(const json& components,
                                      const std::vector<std::string>& dtypes,
                                      const std::string& field) {
  if (!components.is_array() || components.size() != dtypes.size()) {
    return Invalid(field,
                   "needs one dtype per tensor (\"dtypes\" for "
                   "\"slices\", \"dtype\" for \"tensor\")");
  }
  Tuple tensors;
  for (size_t i = 0; i < dtypes.size(); ++i) {
    TROUPE_ASSIGN_OR_RETURN(DType dtype, ParseDType(dtypes[i]));
    absl::StatusOr<Tensor> tensor = TensorFromJson(components[i].dump(), dtype);
    if (!tensor.ok()) {
      return Invalid(
          field, absl::StrCat("tensor ", i, ": ", tensor.status().message()));
    }
    tensors.push_back(*std::move(tensor));
  }
  return tensors;
}

absl::StatusOr<RunnerSource> Source(const json& object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        "runner spec: a source is an object such as {\"dequeue\": \"A\"}");
  }
  TROUPE_RETURN_IF_ERROR(
      OnlyKeys(object,
               {"reader", "queue", "up_to", "dequeue", "strings", "range",
                "slices", "dtypes", "tensor", "dtype"},
               "a source"));
  RunnerSource source;
  if (object.contains("dequeue")) {
    source.kind = RunnerSource::kDequeue;
    TROUPE_RETURN_IF_ERROR(GetString(object, "dequeue", &source.queue));
  } else if (object.contains("reader")) {
    source.kind = RunnerSource::kReader;
    const json& reader = object["reader"];
    if (reader.is_string()) {
      source.reader = reader.get<std::string>();
    } else if (reader.is_object()) {
      source.inline_reader = true;
      TROUPE_ASSIGN_OR_RETURN(source.reader_spec, InlineReader(reader));
    } else {
      return Invalid("reader", "must be a reader's name or its options");
    }
    TROUPE_RETURN_IF_ERROR(GetString(object, "queue", &source.queue));
    TROUPE_RETURN_IF_ERROR(GetInt(object, "up_to", &source.up_to));
  } else if (object.contains("strings")) {
    source.kind = RunnerSource::kStrings;
    TROUPE_RETURN_IF_ERROR(GetStrings(object, "strings", &source.strings));
  } else if (object.contains("range")) {
    source.kind = RunnerSource::kRange;
    TROUPE_RETURN_IF_ERROR(GetInt(object, "range", &source.range));
  } else if (object.contains("slices")) {
    source.kind = RunnerSource::kSlices;
    std::vector<std::string> dtypes;
    TROUPE_RETURN_IF_ERROR(GetStrings(object, "dtypes", &dtypes));
    TROUPE_ASSIGN_OR_RETURN(
        source.tensors, ProducerTensors(object["slices"], dtypes, "slices"));
  } else if (object.contains("tensor")) {
    source.kind = RunnerSource::kTensor;
    std::string dtype;
    TROUPE_RETURN_IF_ERROR(GetString(object, "dtype", &dtype));
    std::vector<std::string> dtypes;
    if (object.contains("dtype")) dtypes.push_back(dtype);
    TROUPE_ASSIGN_OR_RETURN(
        source.tensors,
        ProducerTensors(json::array({object["tensor"]}), dtypes, "tensor"));
  } else {
    return absl::InvalidArgumentError(
        "runner spec: a source needs \"reader\", \"dequeue\", \"strings\", "
        "\"range\", \"slices\" or \"tensor\"");
  }
  return source;
}

absl::Status DecodeCsvSpec(const json& object, RunnerSpec& spec) {
  if (!object.is_object()) return Invalid("decode_csv", "must be an object");
  TROUPE_RETURN_IF_ERROR(
      OnlyKeys(object,
               {"dtypes", "defaults", "field_delim", "na_value", "select_cols",
                "use_quote_delim"},
               "decode_csv"));
  std::vector<std::string> dtypes;
  TROUPE_RETURN_IF_ERROR(GetStrings(object, "dtypes", &dtypes));
  auto defaults = object.find("defaults");
  if (defaults == object.end() || !defaults->is_array() ||
      defaults->size() != dtypes.size()) {
    return Invalid("defaults",
                   "must be an array with one default per dtype: [value] or "
                   "[] (a required column)");
  }
  for (size_t i = 0; i < dtypes.size(); ++i) {
    CsvColumn column;
    TROUPE_ASSIGN_OR_RETURN(column.dtype, ParseDType(dtypes[i]));
    const json& value = (*defaults)[i];
    if (!value.is_array() || value.size() > 1) {
      return Invalid("defaults", "entries must be [value] or []");
    }
    column.required = value.empty();
    if (!column.required) {
      const json& only = value[0];
      if (only.is_string()) {
        column.default_text = only.get<std::string>();
      } else if (only.is_number()) {
        column.default_text = only.dump();
      } else {
        return Invalid("defaults", "values must be numbers or strings");
      }
    }
    spec.csv_columns.push_back(std::move(column));
  }
  TROUPE_RETURN_IF_ERROR(GetString(object, "field_delim", &spec.field_delim));
  TROUPE_RETURN_IF_ERROR(GetString(object, "na_value", &spec.na_value));
  TROUPE_RETURN_IF_ERROR(
      GetBool(object, "use_quote_delim", &spec.use_quote_delim));
  auto select = object.find("select_cols");
  if (select != object.end()) {
    if (!select->is_array()) {
      return Invalid("select_cols", "must be an array of integers");
    }
    for (const json& column : *select) {
      if (!column.is_number_integer()) {
        return Invalid("select_cols", "must be an array of integers");
      }
      spec.select_cols.push_back(column.get<int64_t>());
    }
  }
  return absl::OkStatus();
}

absl::Status Components(const json& value, RunnerSpec& spec) {
  auto invalid = [] {
    return Invalid("components",
                   "must be an array of column numbers or lists of them");
  };
  if (!value.is_array()) return invalid();
  for (const json& entry : value) {
    std::vector<int64_t> group;
    if (entry.is_number_integer()) {
      group.push_back(entry.get<int64_t>());
    } else if (entry.is_array() && !entry.empty()) {
      for (const json& column : entry) {
        if (!column.is_number_integer()) return invalid();
        group.push_back(column.get<int64_t>());
      }
    } else {
      return invalid();
    }
    spec.components.push_back(std::move(group));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunnerSpec> RunnerSpecFromJson(const json& object) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError("runner spec: must be a JSON object");
  }
  TROUPE_RETURN_IF_ERROR(
      OnlyKeys(object,
               {"target", "threads", "coordinator", "source", "num_epochs",
                "shuffle", "seed", "decode_csv", "components", "enqueue_many"},
               "the spec"));
  RunnerSpec spec;
  TROUPE_RETURN_IF_ERROR(GetString(object, "target", &spec.target));
  int64_t threads = spec.threads;
  TROUPE_RETURN_IF_ERROR(GetInt(object, "threads", &threads));
  if (threads < 1 || threads > 1 << 20) {
    return Invalid("threads", "must be at least 1");
  }
  spec.threads = static_cast<int32_t>(threads);
  TROUPE_RETURN_IF_ERROR(GetString(object, "coordinator", &spec.coordinator));
  auto source = object.find("source");
  if (source == object.end()) return Invalid("source", "is missing");
  if (source->is_array()) {
    for (const json& each : *source) {
      TROUPE_ASSIGN_OR_RETURN(RunnerSource parsed, Source(each));
      spec.sources.push_back(std::move(parsed));
    }
  } else {
    TROUPE_ASSIGN_OR_RETURN(RunnerSource parsed, Source(*source));
    spec.sources.push_back(std::move(parsed));
  }
  TROUPE_RETURN_IF_ERROR(GetInt(object, "num_epochs", &spec.num_epochs));
  TROUPE_RETURN_IF_ERROR(GetBool(object, "shuffle", &spec.shuffle));
  TROUPE_RETURN_IF_ERROR(GetInt(object, "seed", &spec.seed));
  if (auto csv = object.find("decode_csv"); csv != object.end()) {
    TROUPE_RETURN_IF_ERROR(DecodeCsvSpec(*csv, spec));
  }
  if (auto components = object.find("components"); components != object.end()) {
    TROUPE_RETURN_IF_ERROR(Components(*components, spec));
  }
  TROUPE_RETURN_IF_ERROR(GetBool(object, "enqueue_many", &spec.enqueue_many));
  return spec;
}

}  // namespace troupe::cli
