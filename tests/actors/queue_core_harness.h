// Test vocabulary for driving a QueueCore directly: spec builders, element
// builders, and readable renderings of completions ("3 OK float[]{10}").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "doctest/doctest.h"

#include "actors/queue_core.h"

namespace troupe::queue_harness {

using Clock = QueueCore::Clock;
using Completion = QueueCore::Completion;
inline constexpr Clock::time_point kNever = QueueCore::kNoDeadline;
inline constexpr size_t kManyWaiting = 1000;

inline QueueSpec Fifo(int32_t capacity, std::vector<DType> dtypes,
                      std::vector<PartialShape> shapes = {}) {
  QueueSpec spec;
  spec.capacity = capacity;
  spec.dtypes = std::move(dtypes);
  spec.shapes = std::move(shapes);
  return spec;
}

// A scalar float element.
inline Tuple F(float value) { return {Tensor::Scalar<float>(value)}; }
// A batch of scalar float elements.
inline Tuple Fs(std::vector<float> values) {
  return {
      Tensor::FromVector<float>({static_cast<int64_t>(values.size())}, values)};
}

// "float[2]{1,2}": dtype, shape and values.
inline std::string Show(const Tensor& tensor) {
  std::string values = "?";
  if (tensor.dtype() == DT_FLOAT)
    values = absl::StrJoin(tensor.flat<float>(), ",");
  if (tensor.dtype() == DT_INT32)
    values = absl::StrJoin(tensor.flat<int32_t>(), ",");
  if (tensor.dtype() == DT_INT64)
    values = absl::StrJoin(tensor.flat<int64_t>(), ",");
  if (tensor.dtype() == DT_STRING)
    values = absl::StrJoin(tensor.strings(), ",");
  return absl::StrCat(DTypeName(tensor.dtype()), ShapeToString(tensor.shape()),
                      "{", values, "}");
}

inline std::string Show(const Tuple& tuple) {
  return absl::StrJoin(tuple, " ", [](std::string* out, const Tensor& tensor) {
    out->append(Show(tensor));
  });
}

// "3 OK float[]{10}" or "4 CANCELLED: FIFOQueue 'q' is closed."
inline std::string Show(const Completion& done) {
  std::string text = absl::StrCat(
      done.id, " ", done.status.ok() ? "OK" : done.status.ToString());
  if (!done.value.empty()) absl::StrAppend(&text, " ", Show(done.value));
  return text;
}

// Every completion since the last call, in completion order, joined by " | ".
inline std::string Done(QueueCore& q) {
  return absl::StrJoin(q.TakeCompletions(), " | ",
                       [](std::string* out, const Completion& done) {
                         out->append(Show(done));
                       });
}

// The one completion since the last call.
inline Completion TakeOne(QueueCore& q) {
  std::vector<Completion> done = q.TakeCompletions();
  REQUIRE(done.size() == 1);
  return std::move(done[0]);
}

inline std::string CodeOf(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

// Dequeues everything left, one element at a time, and shows the values.
inline std::string Drain(QueueCore& q, uint64_t first_id) {
  std::vector<std::string> values;
  for (uint64_t id = first_id; q.size() > 0; ++id) {
    q.Dequeue(id, kNever);
    Completion done = TakeOne(q);
    REQUIRE(done.status.ok());
    values.push_back(Show(done.value));
  }
  return absl::StrJoin(values, " ");
}

}  // namespace troupe::queue_harness
