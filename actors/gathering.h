// The answers of several requests an actor sent at once, and what it does
// once all are in: go on with every answer, or with the first error.
#pragma once

#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "caf/error.hpp"

#include "serialization/status_error.h"

namespace troupe {

template <class Answer>
class Gathering {
 public:
  using Done = std::function<void(absl::StatusOr<std::vector<Answer>>)>;

  explicit Gathering(Done done) : done_(std::move(done)) {}

  // One more request is out.
  void Expect() { ++pending_; }
  // Its answer came.
  void Add(Answer answer) {
    answers_.push_back(std::move(answer));
    Finish();
  }
  // It failed: the first error is what `done` gets.
  void Fail(const caf::error& error) {
    if (error_.ok()) error_ = ToStatus(error);
    Finish();
  }
  // It failed, and that does not matter.
  void Skip() { Finish(); }
  // Every request is out: `done` runs when the last answer is in (now, if
  // none is missing).
  void Ready() { Finish(); }

 private:
  void Finish() {
    if (--pending_ > 0) return;
    if (!error_.ok()) {
      done_(error_);
    } else {
      done_(std::move(answers_));
    }
  }

  Done done_;
  size_t pending_ = 1;  // Ready()'s.
  std::vector<Answer> answers_;
  absl::Status error_;
};

}  // namespace troupe
