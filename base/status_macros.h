// Propagation macros for absl::Status, which Debian's Abseil (20220623) lacks:
// TROUPE_RETURN_IF_ERROR(expr) and TROUPE_ASSIGN_OR_RETURN(lhs, expr).
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TROUPE_STATUS_CONCAT_INNER(a, b) a##b
#define TROUPE_STATUS_CONCAT(a, b) TROUPE_STATUS_CONCAT_INNER(a, b)

// Returns the status of `expr` from the enclosing function unless it is OK.
#define TROUPE_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::absl::Status troupe_status_ = (expr);          \
    if (!troupe_status_.ok()) return troupe_status_; \
  } while (false)

// Evaluates `expr` (a StatusOr); returns its status on error, else moves the
// value into `lhs`, which may be a declaration such as `auto x`.
#define TROUPE_ASSIGN_OR_RETURN(lhs, expr) \
  TROUPE_ASSIGN_OR_RETURN_IMPL(            \
      TROUPE_STATUS_CONCAT(troupe_statusor_, __LINE__), lhs, expr)
#define TROUPE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
