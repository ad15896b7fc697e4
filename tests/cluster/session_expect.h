// Expectations on client calls for the process-level tests: status checks,
// what a task reports about a queue, and bounded waits on futures.
#pragma once

#include <chrono>
#include <future>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "doctest/doctest.h"

#include "cluster/session.h"
#include "tests/cluster/task_process.h"

namespace troupe::testing {

inline absl::Status StatusOf(const absl::Status& status) { return status; }
template <class T>
inline absl::Status StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

inline std::string CodeOf(const absl::Status& status) {
  return absl::StatusCodeToString(status.code());
}

// Checks that `expr` (a Status or StatusOr) failed with `code` (its name, as
// "OUT_OF_RANGE") and that its message contains `text`.
#define CHECK_STATUS(expr, code, text)                                    \
  do {                                                                    \
    const absl::Status check_status_ = ::troupe::testing::StatusOf(expr); \
    INFO("status: ", check_status_.ToString());                           \
    CHECK(::troupe::testing::CodeOf(check_status_) == (code));            \
    CHECK_MESSAGE(absl::StrContains(check_status_.message(), (text)),     \
                  "missing '", (text), "'");                              \
  } while (false)

#define REQUIRE_OK(expr)                                                    \
  do {                                                                      \
    const absl::Status require_status_ = ::troupe::testing::StatusOf(expr); \
    INFO("status: ", require_status_.ToString());                           \
    REQUIRE(require_status_.ok());                                          \
  } while (false)

// What the task says about queue `name`, if it has one.
inline std::optional<ResourceInfo> Find(Session& session,
                                        const std::string& name) {
  auto infos = session.list();
  if (!infos.ok()) return std::nullopt;
  for (const ResourceInfo& info : *infos) {
    if (info.name == name) return info;
  }
  return std::nullopt;
}

// Waits until queue `name` has `dequeues` waiting dequeues and `enqueues`
// waiting enqueues (closes count as enqueues).
inline bool WaitForWaiters(Session& session, const std::string& name,
                           int64_t dequeues, int64_t enqueues) {
  return WaitUntil([&] {
    auto info = Find(session, name);
    return info && info->waiting_dequeues == dequeues &&
           info->waiting_enqueues == enqueues;
  });
}

template <class T>
bool IsReady(const std::future<T>& future) {
  return future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
}

template <class T>
bool ReadyWithin(const std::future<T>& future, absl::Duration timeout) {
  return future.wait_for(absl::ToChronoMilliseconds(timeout)) ==
         std::future_status::ready;
}

}  // namespace troupe::testing
