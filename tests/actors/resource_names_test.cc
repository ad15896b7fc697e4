// The container and shared-name rules of a task (TensorFlow's ContainerInfo,
// with '_' allowed after the first character of a container).
#include "actors/resource_names.h"

#include <string>

#include "doctest/doctest.h"

namespace troupe {
namespace {

std::string Show(const absl::Status& status) { return status.ToString(); }

TEST_SUITE("actors") {
  TEST_CASE(
      "the default container and TensorFlow's container names are valid") {
    for (const char* name :
         {"", "localhost", "test", "a", "7", ".", "my.container", "a-b",
          "a/b/c", "job.ps-0/x", "UPPER", "v1.2"}) {
      CAPTURE(name);
      CHECK(ValidateContainerName(name).ok());
    }
  }

  TEST_CASE("a container may contain '_' after its first character") {
    CHECK(ValidateContainerName("my_problem_1").ok());
    CHECK(ValidateContainerName("a_").ok());
    CHECK(Show(ValidateContainerName("_a")) ==
          "INVALID_ARGUMENT: container contains invalid characters: _a");
  }

  TEST_CASE(
      "a container with other characters is INVALID_ARGUMENT with TensorFlow's "
      "text") {
    CHECK(
        Show(ValidateContainerName("my problem")) ==
        "INVALID_ARGUMENT: container contains invalid characters: my problem");
    // '-' and '/' are fine inside, not first.
    for (const char* name :
         {"-a", "/a", "a b", "a:b", "a*", "a\n", "caf\xC3\xA9", "a\\b"}) {
      CAPTURE(name);
      absl::Status status = ValidateContainerName(name);
      CHECK(absl::IsInvalidArgument(status));
      CHECK(std::string(status.message()) ==
            std::string("container contains invalid characters: ") + name);
    }
  }

  TEST_CASE("a container name has a length limit") {
    CHECK(ValidateContainerName(std::string(kMaxNameLength, 'a')).ok());
    CHECK(absl::IsInvalidArgument(
        ValidateContainerName(std::string(kMaxNameLength + 1, 'a'))));
  }

  TEST_CASE("a shared name must not start with '_'") {
    CHECK(Show(ValidateSharedName("_x")) ==
          "INVALID_ARGUMENT: shared_name cannot start with '_':_x");
    CHECK(ValidateSharedName("x_").ok());
    CHECK(ValidateSharedName("shared_queue").ok());
  }

  TEST_CASE(
      "a shared name may hold what TensorFlow's names hold, but no control "
      "characters") {
    for (const char* name : {"q", "fifo_queue", "a/b:0", "name with spaces",
                             "-", "0", "caf\xC3\xA9"}) {
      CAPTURE(name);
      CHECK(ValidateSharedName(name).ok());
    }
    CHECK(absl::IsInvalidArgument(ValidateSharedName("")));
    CHECK(absl::IsInvalidArgument(ValidateSharedName("a\nb")));
    CHECK(absl::IsInvalidArgument(ValidateSharedName(std::string("a\0b", 3))));
    CHECK(ValidateSharedName(std::string(kMaxNameLength, 'q')).ok());
  }

  TEST_CASE("a shared name must be valid UTF-8") {
    for (const char* name :
         {"\xff", "q\xC3", "caf\xE9", "\xED\xA0\x80", "\xC0\xAF", "_\xff"}) {
      CAPTURE(name);
      CHECK(Show(ValidateSharedName(name)) ==
            "INVALID_ARGUMENT: shared_name is not valid UTF-8");
    }
    CHECK(ValidateSharedName("\xF0\x9F\x98\x80").ok());
    CHECK(absl::IsInvalidArgument(
        ValidateSharedName(std::string(kMaxNameLength + 1, 'q'))));
  }
}

}  // namespace
}  // namespace troupe
