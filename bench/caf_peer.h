// The raw CAF 0.17 peer: a minimal typed queue actor (put bytes -> ok, get
// -> bytes) published by one actor system and driven by request/response from
// another, with none of Troupe's validation, deadlines, waiters or client
// API. What CAF messaging itself costs.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace troupe::bench {

// Both sides run CAF's defaults with Troupe's scheduler size (2 threads);
// `tuned` also skips work stealing's 50 us sleep-polling phase
// (work-stealing.moderate-poll-attempts = 0, so that idle workers wait on a
// condition variable and are woken at once) and deserializes in the
// multiplexer thread (middleman.workers = 0).

// Publishes the queue on a free 127.0.0.1 port, prints "port N" on stdout
// and serves until its stdin closes.
int RunCafServer(bool tuned);

// `warmup` + `pairs` times: put an 8-byte element, then get it, one request
// at a time through a scoped_actor. Each request's latency in microseconds,
// for the last `pairs`.
absl::StatusOr<std::vector<double>> CafRoundTrip(uint16_t port, int64_t warmup,
                                                 int64_t pairs, bool tuned);

}  // namespace troupe::bench
