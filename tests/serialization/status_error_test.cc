#include "serialization/status_error.h"

#include "caf/exit_reason.hpp"
#include "caf/sec.hpp"
#include "doctest/doctest.h"

namespace troupe {
namespace {

TEST_SUITE("serialization") {
  TEST_CASE("every canonical code and its text survive the round trip") {
    for (int code = 1; code <= 16; ++code) {
      absl::Status status(static_cast<absl::StatusCode>(code), "some text");
      absl::Status back = ToStatus(ToError(status));
      CHECK(back.code() == status.code());
      CHECK(back.message() == "some text");
    }
    CHECK(!ToError(absl::OkStatus()));
    CHECK(ToStatus(caf::error{}).ok());
  }

  TEST_CASE("CAF's own errors map to canonical codes") {
    CHECK(absl::IsDeadlineExceeded(
        ToStatus(caf::make_error(caf::sec::request_timeout))));
    CHECK(absl::IsUnavailable(
        ToStatus(caf::make_error(caf::sec::cannot_connect_to_node))));
    CHECK(absl::IsNotFound(
        ToStatus(caf::make_error(caf::sec::request_receiver_down))));
    CHECK(absl::IsInternal(
        ToStatus(caf::make_error(caf::sec::invalid_argument))));
  }
}

}  // namespace
}  // namespace troupe
