// Unit tests for cli/runner_spec_json.h: the SPEC of `troupe ctl
// runner-start`.
#include "cli/runner_spec_json.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "doctest/doctest.h"

namespace troupe::cli {
namespace {

absl::StatusOr<RunnerSpec> Parse(const std::string& text) {
  return RunnerSpecFromJson(nlohmann::json::parse(text));
}

TEST_CASE("runner spec: every field of issue 13's form") {
  absl::StatusOr<RunnerSpec> spec = Parse(R"({
      "target": "Q", "threads": 5, "coordinator": "C",
      "source": {"reader": {"type": "text_line", "skip_header_lines": 1},
                 "queue": "FILENAMES", "up_to": 4},
      "num_epochs": 2, "shuffle": false, "seed": 7,
      "decode_csv": {"dtypes": ["float32", "int32", "string"],
                     "defaults": [[1.5], [], ["a"]], "field_delim": ";",
                     "na_value": "NA", "select_cols": [0, 2, 3],
                     "use_quote_delim": false},
      "components": [[0, 1], 2], "enqueue_many": true})");
  REQUIRE_MESSAGE(spec.ok(), spec.status().ToString());
  CHECK(spec->target == "Q");
  CHECK(spec->threads == 5);
  CHECK(spec->coordinator == "C");
  REQUIRE(spec->sources.size() == 1);
  CHECK(spec->sources[0].kind == RunnerSource::kReader);
  CHECK(spec->sources[0].inline_reader);
  CHECK(spec->sources[0].reader_spec.type == "text_line");
  CHECK(spec->sources[0].reader_spec.skip_header_lines == 1);
  CHECK(spec->sources[0].queue == "FILENAMES");
  CHECK(spec->sources[0].up_to == 4);
  CHECK(spec->num_epochs == 2);
  CHECK_FALSE(spec->shuffle);
  CHECK(spec->seed == 7);
  REQUIRE(spec->csv_columns.size() == 3);
  CHECK(spec->csv_columns[0].dtype == DType::kFloat32);
  CHECK(spec->csv_columns[0].default_text == "1.5");
  CHECK(spec->csv_columns[1].required);
  CHECK(spec->csv_columns[2].default_text == "a");
  CHECK(spec->field_delim == ";");
  CHECK(spec->na_value == "NA");
  CHECK(spec->select_cols == std::vector<int64_t>{0, 2, 3});
  CHECK_FALSE(spec->use_quote_delim);
  CHECK(spec->components == std::vector<std::vector<int64_t>>{{0, 1}, {2}});
  CHECK(spec->enqueue_many);
  CHECK(ValidateRunnerSpec(*spec).ok());
}

TEST_CASE("runner spec: a list of sources, named readers and producers") {
  absl::StatusOr<RunnerSpec> spec = Parse(R"({
      "target": "Q",
      "source": [{"reader": "R", "queue": "F"}, {"dequeue": "A"},
                 {"strings": ["x", "y"]}, {"range": 3}]})");
  REQUIRE_MESSAGE(spec.ok(), spec.status().ToString());
  REQUIRE(spec->sources.size() == 4);
  CHECK(spec->sources[0].reader == "R");
  CHECK(spec->sources[1].kind == RunnerSource::kDequeue);
  CHECK(spec->sources[1].queue == "A");
  CHECK(spec->sources[2].strings == std::vector<std::string>{"x", "y"});
  CHECK(spec->sources[3].range == 3);
}

TEST_CASE("runner spec: slices and tensor producers carry their tensors") {
  absl::StatusOr<RunnerSpec> spec = Parse(R"({
      "target": "Q",
      "source": [{"slices": [[1, 2], [["a"], ["b"]]],
                  "dtypes": ["int64", "string"]},
                 {"tensor": [[1.5, 2], [3, 4]], "dtype": "float32"}]})");
  REQUIRE_MESSAGE(spec.ok(), spec.status().ToString());
  REQUIRE(spec->sources.size() == 2);
  CHECK(spec->sources[0].kind == RunnerSource::kSlices);
  REQUIRE(spec->sources[0].tensors.size() == 2);
  CHECK(spec->sources[0].tensors[0] ==
        Tensor::FromVector<int64_t>({2}, {1, 2}));
  CHECK(spec->sources[0].tensors[1] == Tensor::FromStrings({2, 1}, {"a", "b"}));
  CHECK(spec->sources[1].kind == RunnerSource::kTensor);
  REQUIRE(spec->sources[1].tensors.size() == 1);
  CHECK(spec->sources[1].tensors[0] ==
        Tensor::FromVector<float>({2, 2}, {1.5F, 2, 3, 4}));
  CHECK(ValidateRunnerSpec(*spec).ok());
}

TEST_CASE("runner spec: what is wrong is named") {
  auto error = [](const std::string& text) {
    absl::StatusOr<RunnerSpec> spec = Parse(text);
    REQUIRE_FALSE(spec.ok());
    CHECK(absl::IsInvalidArgument(spec.status()));
    return std::string(spec.status().message());
  };
  CHECK(error(R"({"target": "Q"})") == "runner spec: \"source\" is missing");
  CHECK(error(R"({"target": "Q", "threds": 2, "source": {"range": 1}})") ==
        "runner spec: unknown field \"threds\" in the spec");
  CHECK(error(R"({"target": 3, "source": {"range": 1}})") ==
        "runner spec: \"target\" must be a string");
  CHECK(absl::StrContains(error(R"({"target": "Q", "source": {"queue": "F"}})"),
                          "a source needs"));
  CHECK(absl::StrContains(
      error(R"({"target": "Q", "source": {"reader": "R", "queue": "F"},
                "decode_csv": {"dtypes": ["float32"], "defaults": []}})"),
      "one default per dtype"));
  CHECK(absl::StrContains(error(R"({"target": "Q", "source": {"range": 1},
                "components": [[]]})"),
                          "components"));
  CHECK(error(R"({"target": "Q", "source": {"slices": [[1], [2]],
                                             "dtypes": ["int32"]}})") ==
        "runner spec: \"slices\" needs one dtype per tensor (\"dtypes\" for "
        "\"slices\", \"dtype\" for \"tensor\")");
  CHECK(error(R"({"target": "Q", "source": {"tensor": [1, "x"],
                                             "dtype": "int32"}})")
            .rfind("runner spec: \"tensor\" tensor 0: ", 0) == 0);
}

TEST_CASE("runner spec: slices and tensor producers are checked as TF does") {
  auto check = [](RunnerSource::Kind kind, Tuple tensors) {
    RunnerSpec spec;
    spec.target = "Q";
    RunnerSource source;
    source.kind = kind;
    source.tensors = std::move(tensors);
    spec.sources = {source};
    return std::string(ValidateRunnerSpec(spec).message());
  };
  CHECK(check(RunnerSource::kSlices, {}) ==
        "Expected at least one tensor in slice_input_producer().");
  CHECK(check(RunnerSource::kSlices,
              {Tensor::FromVector<int32_t>({2}, {1, 2}),
               Tensor::FromVector<int32_t>({3}, {1, 2, 3})}) ==
        "slice_input_producer: every tensor needs the same first dimension: "
        "tensor 0 has 2 rows, tensor 1 has 3");
  CHECK(check(RunnerSource::kSlices, {Tensor::Scalar<int32_t>(1)}) ==
        "slice_input_producer: tensor 0 is a scalar; its rows are the "
        "elements, so it needs rank >= 1");
  CHECK(
      check(RunnerSource::kSlices, {Tensor::Zeros(DType::kFloat32, {0, 2})}) ==
      "slice_input_producer requires a non-null input tensor");
  CHECK(check(RunnerSource::kTensor, {}) ==
        "Source 0 of the runner: input_producer takes one tensor, not 0");
  CHECK(check(RunnerSource::kTensor, {Tensor::FromVector<int32_t>({1}, {7})})
            .empty());
}

TEST_CASE("runner spec: ValidateRunnerSpec refuses what no task can run") {
  RunnerSpec spec;
  spec.target = "Q";
  RunnerSource range;
  range.kind = RunnerSource::kRange;
  range.range = 3;
  spec.sources = {range, range};
  spec.threads = 2;
  CHECK(ValidateRunnerSpec(spec).message() ==
        "A list of 2 sources runs one thread per source: threads must be 1, "
        "not 2");
  spec.threads = 1;
  spec.csv_columns = {CsvColumn{}};
  CHECK(ValidateRunnerSpec(spec).message() ==
        "decode_csv applies to the records of reader sources only");
}

}  // namespace
}  // namespace troupe::cli
