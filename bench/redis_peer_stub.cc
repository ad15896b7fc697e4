// The Redis peer when hiredis was not found at build time: every function
// fails UNIMPLEMENTED and the benchmark reports the Redis columns as missing.
#include "bench/redis_peer.h"

namespace troupe::bench {

namespace {

absl::Status NoHiredis() {
  return absl::UnimplementedError(
      "built without hiredis (install libhiredis-dev and reconfigure)");
}

}  // namespace

bool RedisAvailable() { return false; }

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    const std::string&, const RedisOptions&) {
  return NoHiredis();
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Spawn(
    const std::string&, const RedisOptions&) {
  return NoHiredis();
}

RedisServer::~RedisServer() = default;

absl::StatusOr<Span> RedisLoad(const RedisFeed&, const std::function<void()>&) {
  return NoHiredis();
}

absl::StatusOr<Span> RedisTrain(const RedisFeed&,
                                const std::function<void()>&) {
  return NoHiredis();
}

absl::Status RedisDelete(uint16_t, const std::string&) { return NoHiredis(); }

absl::StatusOr<std::vector<double>> RedisRoundTrip(uint16_t, int64_t, int64_t) {
  return NoHiredis();
}

absl::StatusOr<SetGet> RedisSetGet(uint16_t, size_t) { return NoHiredis(); }

absl::StatusOr<double> RedisBigQueue(uint16_t, size_t, int64_t, int) {
  return NoHiredis();
}

absl::StatusOr<int64_t> RedisWaiters(uint16_t, const std::string&, int, int,
                                     const std::function<void()>&,
                                     const std::function<void()>&) {
  return NoHiredis();
}

absl::Status RedisPushMany(uint16_t, const std::string&, int64_t) {
  return NoHiredis();
}

absl::Status RedisAwaitBlockedClients(uint16_t, int64_t,
                                      std::chrono::steady_clock::time_point) {
  return NoHiredis();
}

absl::StatusOr<RedisRecoveryTimes> MeasureRedisRecovery(const RedisRecovery&) {
  return NoHiredis();
}

absl::StatusOr<std::unique_ptr<RedisSnapshots>> RedisSnapshots::Start(
    const std::string&, const std::string&, int, size_t) {
  return NoHiredis();
}

absl::StatusOr<double> RedisSnapshots::BackgroundSave() { return NoHiredis(); }

absl::StatusOr<double> RedisSnapshots::RestartAndLoad() { return NoHiredis(); }

std::string RedisSnapshots::rdb_path() const { return ""; }

}  // namespace troupe::bench
