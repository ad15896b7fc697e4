// The Redis peer, driven through hiredis: a redis-server started on a free
// loopback port, and the Redis side of every scenario. Built from
// redis_peer.cc when hiredis is found, else from redis_peer_stub.cc, whose
// functions all fail UNIMPLEMENTED (RedisAvailable() is false).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include "bench/bench_util.h"

namespace troupe::bench {

bool RedisAvailable();

// Where a redis-server listens and keeps its RDB.
struct RedisOptions {
  // 0: a free port.
  uint16_t port = 0;
  // Empty: no persistence. Else DIR/dump.rdb, loaded at start and written
  // only by SAVE (no automatic saves).
  std::string dir;
  // Empty: no AOF. Else appendonly yes with this appendfsync (always,
  // everysec, no), its files under `dir`, never rewritten on its own
  // (auto-aof-rewrite-percentage 0).
  std::string appendfsync;
};

// redis-server on 127.0.0.1. Ready when Start returns (it answered PING);
// Spawn only starts the process.
class RedisServer {
 public:
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      const std::string& redis_server_binary, const RedisOptions& options = {});
  static absl::StatusOr<std::unique_ptr<RedisServer>> Spawn(
      const std::string& redis_server_binary, const RedisOptions& options);
  ~RedisServer();

  uint16_t port() const { return port_; }
  pid_t pid() const { return child_->pid(); }

 private:
  RedisServer() = default;
  std::unique_ptr<Child> child_;
  uint16_t port_ = 0;
};

// What a loader or trainer did: when it started and finished (NowNs) and how
// many instances it moved.
struct Span {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t instances = 0;
};

// One side of the feed. Instances are `value_bytes`-byte values (8: a
// float32 [2]). With batch > 1 the loader sends RPUSH with `batch` values and
// the trainer LPOP key `batch`; with batch == 1, RPUSH of one value and
// BLPOP. Either keeps `window` commands in flight on its connection
// (pipelining). `ready` is called once connected and returns when the run
// may start. The loader sends no command after `deadline`, and then moves
// fewer than `instances`.
struct RedisFeed {
  uint16_t port = 0;
  std::string key;
  int64_t instances = 0;
  int32_t batch = 1;
  int32_t window = 1;
  size_t value_bytes = 8;
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::time_point::max();
};
absl::StatusOr<Span> RedisLoad(const RedisFeed& feed,
                               const std::function<void()>& ready);
absl::StatusOr<Span> RedisTrain(const RedisFeed& feed,
                                const std::function<void()>& ready);

// Deletes `key`.
absl::Status RedisDelete(uint16_t port, const std::string& key);

// `warmup` + `pairs` times RPUSH of an 8-byte value then LPOP, one command
// at a time: each command's latency in microseconds, for the last `pairs`.
absl::StatusOr<std::vector<double>> RedisRoundTrip(uint16_t port,
                                                   int64_t warmup,
                                                   int64_t pairs);

// SET then GET of `bytes` bytes: seconds for each.
struct SetGet {
  double set_seconds = 0;
  double get_seconds = 0;
};
absl::StatusOr<SetGet> RedisSetGet(uint16_t port, size_t bytes);

// `producers` connections (a thread each) RPUSH `count` values of `bytes`
// bytes between them, each one command at a time, while a consumer
// connection BLPOPs them: seconds until the last arrived.
absl::StatusOr<double> RedisBigQueue(uint16_t port, size_t bytes, int64_t count,
                                     int producers);

// Opens `connections` connections and calls `connected` (which returns when
// the requests may go); then pipelines `per_connection` BLPOP key 0 on each,
// calls `sent`, and reads every reply. Returns when the last one arrived
// (NowNs).
absl::StatusOr<int64_t> RedisWaiters(uint16_t port, const std::string& key,
                                     int connections, int per_connection,
                                     const std::function<void()>& connected,
                                     const std::function<void()>& sent);

// RPUSH of `count` 8-byte values in one command.
absl::Status RedisPushMany(uint16_t port, const std::string& key,
                           int64_t count);

// Asks INFO clients on one connection until blocked_clients is `count`; no
// sleep between the questions, each is a round trip. DEADLINE_EXCEEDED past
// `deadline`.
absl::Status RedisAwaitBlockedClients(
    uint16_t port, int64_t count,
    std::chrono::steady_clock::time_point deadline);

// Scenario 6's peer: redis-server persisting into `dir`, killed with SIGKILL
// `kills` times and each time started again at once on the same port and
// dir (a supervisor without back-off), while a client keeps calling with
// 1 ms between failed calls. With `keys` > 0 the first server SETs keys
// key0.. to `value_bytes` pseudo-random bytes each and SAVEs them, and a
// call succeeds when GET key0 returns all its bytes (after the RDB loaded);
// with none, when PING answers. Seconds from just before each kill to that
// success, and the RDB's size in bytes.
struct RedisRecovery {
  std::string binary;
  std::string dir;
  int kills = 0;
  int keys = 0;
  size_t value_bytes = 0;
};
struct RedisRecoveryTimes {
  std::vector<double> seconds;
  int64_t rdb_bytes = 0;
};
absl::StatusOr<RedisRecoveryTimes> MeasureRedisRecovery(
    const RedisRecovery& recovery);

// Scenario 8's peer: redis-server persisting into `dir` (an RDB, written
// only when asked) and holding keys key0 … key`keys - 1`, each the
// `value_bytes` bytes of IncompressibleBytes(value_bytes).
class RedisSnapshots {
 public:
  static absl::StatusOr<std::unique_ptr<RedisSnapshots>> Start(
      const std::string& redis_server_binary, const std::string& dir, int keys,
      size_t value_bytes);

  // BGSAVE, then INFO persistence every millisecond until the save is no
  // longer in progress and succeeded: seconds from the command to then.
  absl::StatusOr<double> BackgroundSave();
  // Kills the server with SIGKILL, reaps it, and starts a new one on the same
  // port and dir: seconds from that start until a GET of the last key
  // returned all its bytes (asked every millisecond; once the RDB loaded).
  absl::StatusOr<double> RestartAndLoad();
  // The RDB file.
  std::string rdb_path() const;

 private:
  RedisSnapshots() = default;
  std::string binary_;
  RedisOptions options_;
  int keys_ = 0;
  size_t value_bytes_ = 0;
  std::unique_ptr<RedisServer> server_;
};

}  // namespace troupe::bench
