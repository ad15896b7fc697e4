// The one error model on the wire: absl::Status <-> caf::error of category
// "troupe" carrying the canonical code and the message text.
#pragma once

#include "absl/status/status.h"
#include "caf/error.hpp"

namespace troupe {

// The error category of Troupe's own errors.
caf::atom_value TroupeErrorCategory();

// An error of category "troupe" with status's code and message; none for OK.
caf::error ToError(const absl::Status& status);

// Inverse of ToError. CAF's own errors map to canonical codes: a timed-out
// request is DEADLINE_EXCEEDED, an unreachable or dead peer UNAVAILABLE, and
// anything else INTERNAL with CAF's rendering of the error.
absl::Status ToStatus(const caf::error& error);

// Why a request cannot be answered when its receiver went down for
// `reason`: a lost connection is UNAVAILABLE; a receiver that was stopped (a
// reset container) or was already gone is NOT_FOUND.
absl::Status LossStatus(const caf::error& reason);

}  // namespace troupe
