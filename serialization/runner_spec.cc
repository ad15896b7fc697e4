#include "serialization/runner_spec.h"

#include "absl/strings/str_cat.h"

namespace troupe {
namespace {

// The most threads one runner runs: each holds at most one step in flight.
constexpr int32_t kMaxThreads = 64;
// The most sources, and tensors of a slice producer, one spec may carry.
constexpr size_t kMaxSources = 64;

// The tensors of a slice or tensor producer (`producer` names it): each
// valid, of rank >= 1, all with the same number of rows, at least one.
absl::Status CheckRows(const Tuple& tensors, const std::string& producer) {
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (absl::Status valid = tensors[i].CheckValid(); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(producer, ": tensor ", i, ": ", valid.message()));
    }
    if (tensors[i].shape().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          producer, ": tensor ", i,
          " is a scalar; its rows are the elements, so it needs rank >= 1"));
    }
    const int64_t rows = tensors[i].shape()[0];
    const int64_t first = tensors[0].shape()[0];
    if (rows != first) {
      return absl::InvalidArgumentError(absl::StrCat(
          producer, ": every tensor needs the same first dimension: tensor 0 ",
          "has ", first, " rows, tensor ", i, " has ", rows));
    }
  }
  if (tensors[0].shape()[0] == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(producer, " requires a non-null input tensor"));
  }
  return absl::OkStatus();
}

absl::Status CheckSource(const RunnerSource& source, size_t index) {
  auto invalid = [index](const std::string& what) {
    return absl::InvalidArgumentError(
        absl::StrCat("Source ", index, " of the runner: ", what));
  };
  switch (source.kind) {
    case RunnerSource::kDequeue:
      if (source.queue.empty()) return invalid("dequeue needs a queue");
      return absl::OkStatus();
    case RunnerSource::kReader:
      if (source.queue.empty()) return invalid("a reader needs a queue");
      if (source.reader.empty() == !source.inline_reader) {
        return invalid("give a reader's name or a reader's spec, not both");
      }
      if (source.up_to < 0) {
        return invalid(absl::StrCat("up_to must be >= 0, not ", source.up_to));
      }
      return absl::OkStatus();
    case RunnerSource::kStrings:
      if (source.strings.empty()) {
        return absl::InvalidArgumentError(
            "string_input_producer requires a non-null input tensor");
      }
      return absl::OkStatus();
    case RunnerSource::kRange:
      if (source.range <= 0) {
        return invalid(absl::StrCat(
            "range_input_producer requires a limit > 0, not ", source.range));
      }
      return absl::OkStatus();
    case RunnerSource::kSlices:
      if (source.tensors.empty()) {
        return absl::InvalidArgumentError(
            "Expected at least one tensor in slice_input_producer().");
      }
      if (source.tensors.size() > kMaxSources) {
        return invalid(absl::StrCat("slice_input_producer takes at most ",
                                    kMaxSources, " tensors, not ",
                                    source.tensors.size()));
      }
      return CheckRows(source.tensors, "slice_input_producer");
    case RunnerSource::kTensor:
      if (source.tensors.size() != 1) {
        return invalid(absl::StrCat("input_producer takes one tensor, not ",
                                    source.tensors.size()));
      }
      return CheckRows(source.tensors, "input_producer");
  }
  return invalid(absl::StrCat("unknown kind ", source.kind));
}

}  // namespace

absl::Status ValidateRunnerSpec(const RunnerSpec& spec) {
  if (spec.target.empty()) {
    return absl::InvalidArgumentError("A runner needs a target queue");
  }
  if (spec.sources.empty()) {
    return absl::InvalidArgumentError("A runner needs at least one source");
  }
  if (spec.sources.size() > kMaxSources) {
    return absl::InvalidArgumentError(
        absl::StrCat("A runner has at most ", kMaxSources, " sources, not ",
                     spec.sources.size()));
  }
  if (spec.threads < 1 || spec.threads > kMaxThreads) {
    return absl::InvalidArgumentError(absl::StrCat(
        "threads must be between 1 and ", kMaxThreads, ", not ", spec.threads));
  }
  if (spec.sources.size() > 1 && spec.threads != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "A list of ", spec.sources.size(),
        " sources runs one thread per source: threads must be 1, not ",
        spec.threads));
  }
  if (spec.num_epochs < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_epochs must be > 0 not ", spec.num_epochs));
  }
  for (size_t i = 0; i < spec.sources.size(); ++i) {
    if (absl::Status valid = CheckSource(spec.sources[i], i); !valid.ok()) {
      return valid;
    }
    const bool reads = spec.sources[i].kind == RunnerSource::kReader;
    if (!reads && !spec.csv_columns.empty()) {
      return absl::InvalidArgumentError(
          "decode_csv applies to the records of reader sources only");
    }
  }
  return absl::OkStatus();
}

}  // namespace troupe
