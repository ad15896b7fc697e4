#include "bench/durable_queue.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#include "actors/queue_log_writer.h"
#include "bench/bench_util.h"
#include "bench/redis_peer.h"
#include "bench/request_window.h"
#include "cluster/queue.h"
#include "cluster/session.h"
#include "formats/queue_log.h"
#include "support/temp_dir.h"

namespace troupe::bench {

namespace {

// Decisions (issue 14 left them open):
// - A fresh queue (and a fresh Redis key) per measurement, deleted after it
//   (Session::reset of its container deletes its log; DEL): every
//   measurement starts from an empty queue and a log that holds its header
//   alone, and no log is compacted during one. Redis's AOF is never
//   rewritten on its own (auto-aof-rewrite-percentage 0), as nothing of
//   Troupe's is.
// - Each side enqueues for `seconds`, or until it has enqueued
//   kMaxPayloadBytes of elements, whichever comes first; its rate is the
//   enqueues answered over the time until the last answer.
// - One call at a time: the blocking C++ API (FIFOQueue::enqueue) against
//   RPUSH of one value, one command at a time. In flight: the typed handle
//   with `window` enqueues in flight from one actor, as scenario 1c, against
//   `window` pipelined RPUSH on one connection.
// - Troupe's task and every redis-server write under one temporary dir on
//   the same disk; one redis-server per policy, each in a dir of its own.
// - After each Troupe run, the log is read back and replayed: it must hold
//   exactly the elements answered (the check does not time anything).
constexpr int64_t kMaxPayloadBytes = int64_t{64} << 20;
constexpr char kContainer[] = "durable_bench";
constexpr char kDevice[] = "/job:ps/task:0";
// A replay may hold this much in memory.
constexpr uint64_t kMaxReplayBytes = uint64_t{1} << 33;

struct Policy {
  const char* name;
  Durability durability;
  // Redis's appendfsync; empty: no AOF.
  const char* appendfsync;
};
constexpr Policy kPolicies[] = {{"always", Durability::kAlways, "always"},
                                {"everysec", Durability::kEverySec, "everysec"},
                                {"none", Durability::kNone, ""}};

std::chrono::steady_clock::time_point Deadline(double seconds) {
  return std::chrono::steady_clock::now() +
         std::chrono::duration_cast<std::chrono::steady_clock::duration>(
             std::chrono::duration<double>(seconds));
}

int64_t MaxElements(size_t element_bytes) {
  return kMaxPayloadBytes / static_cast<int64_t>(element_bytes);
}

Tensor Element(size_t element_bytes) {
  if (element_bytes == sizeof(int64_t)) return Tensor::Scalar<int64_t>(1);
  return Tensor::FromVector<uint8_t>({static_cast<int64_t>(element_bytes)},
                                     std::vector<uint8_t>(element_bytes, 1));
}

QueueOptions Options(const DurableCase& c, const Policy& policy,
                     const std::string& name) {
  QueueOptions options;
  options.capacity = static_cast<int32_t>(MaxElements(c.element_bytes));
  if (c.element_bytes == sizeof(int64_t)) {
    options.dtypes = {DT_INT64};
    options.shapes = {{}};
  } else {
    options.dtypes = {DT_UINT8};
    options.shapes = {{static_cast<int64_t>(c.element_bytes)}};
  }
  options.shared_name = name;
  options.container = kContainer;
  options.durability = policy.durability;
  return options;
}

// Enqueues into `queue` (created already) until `deadline`, as `c` says:
// the enqueues answered.
absl::StatusOr<int64_t> Enqueue(
    Session& session, FIFOQueue& queue, const DurableCase& c,
    std::chrono::steady_clock::time_point deadline) {
  const Tensor element = Element(c.element_bytes);
  const int64_t most = MaxElements(c.element_bytes);
  if (c.window == 1) {
    int64_t done = 0;
    while (done < most && std::chrono::steady_clock::now() < deadline) {
      if (absl::Status status = queue.enqueue({element}); !status.ok())
        return status;
      ++done;
    }
    return done;
  }
  auto handle = queue.handle();
  if (!handle.ok()) return handle.status();
  const QueueActor actor = *handle;
  // No timeout on the requests, as none on Redis's pipelined commands: in
  // CAF 0.17 each request timeout wakes the requester's clock thread when
  // it is set and again when the answer cancels it.
  const caf::duration timeout{caf::infinite};
  return RunWindow<caf::ok_atom>(
             session.system(), most, c.window,
             [=](caf::event_based_actor* self) {
               return self->request(actor, timeout, enqueue_atom::value,
                                    Tuple{element}, kNoTimeout);
             },
             [](caf::ok_atom&) { return int64_t{1}; }, deadline)
      .get();
}

// What Troupe's side works on.
struct TroupeSide {
  Session& session;
  std::string data_dir;
  double seconds = 0;
};

// Reads `queue`'s log back and replays it: OK when its header says
// `durability` and it holds exactly `enqueued` elements and nothing torn;
// its bytes and elements go to `c`.
absl::Status CheckLog(const TroupeSide& side, const std::string& name,
                      Durability durability, int64_t enqueued, DurableCase& c) {
  const std::string path =
      absl::StrCat(side.data_dir, "/", QueueLogDirectory(kDevice), "/",
                   QueueLogFileName(kContainer, name));
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)),
                          std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    return absl::InternalError(absl::StrCat("cannot read ", path));
  auto replayed = ReplayQueueLog(bytes, path, kMaxReplayBytes);
  if (!replayed.ok()) return replayed.status();
  const int64_t elements = static_cast<int64_t>(replayed->elements.size());
  // The records' bytes; zeros allocated ahead follow them.
  c.log_bytes.push_back(static_cast<int64_t>(replayed->valid_bytes));
  c.replayed.push_back(elements);
  if (elements != enqueued || replayed->torn_tail ||
      replayed->spec.durability != durability) {
    return absl::DataLossError(absl::StrCat(
        path, " (appendfsync ", DurabilityName(replayed->spec.durability),
        ") holds ", elements, " elements in ", replayed->valid_bytes, " of ",
        bytes.size(), " bytes after ", enqueued, " enqueues"));
  }
  return absl::OkStatus();
}

// One Troupe measurement of `c`: a fresh queue, enqueued into for the
// configured time, its log checked, then deleted.
absl::Status MeasureTroupe(const TroupeSide& side, const Policy& policy,
                           int round, DurableCase& c) {
  const std::string name = absl::StrCat(policy.name, "_", c.element_bytes, "_",
                                        c.window, "_", round);
  int64_t enqueued = 0;
  double seconds = 0;
  {
    FIFOQueue queue(side.session, Options(c, policy, name));
    // Creates it (and, durable, its log) before the clock starts.
    if (auto size = queue.size(); !size.ok()) return size.status();
    const int64_t start = NowNs();
    auto done = Enqueue(side.session, queue, c, Deadline(side.seconds));
    if (!done.ok()) return done.status();
    seconds = Seconds(start, NowNs());
    enqueued = *done;
  }
  c.troupe.push_back(static_cast<double>(enqueued) / seconds);
  absl::Status checked =
      policy.durability == Durability::kNone
          ? absl::OkStatus()
          : CheckLog(side, name, policy.durability, enqueued, c);
  absl::Status reset = side.session.reset({kContainer});
  return checked.ok() ? reset : checked;
}

// One Redis measurement of `c` on `port`: RPUSH into a fresh key, then DEL.
absl::Status MeasureRedis(uint16_t port, double seconds, int round,
                          DurableCase& c) {
  RedisFeed feed;
  feed.port = port;
  feed.key =
      absl::StrCat("durable_", c.element_bytes, "_", c.window, "_", round);
  feed.instances = MaxElements(c.element_bytes);
  feed.window = c.window;
  feed.value_bytes = c.element_bytes;
  feed.deadline = Deadline(seconds);
  auto span = RedisLoad(feed, [] {});
  if (!span.ok()) return span.status();
  c.redis.push_back(static_cast<double>(span->instances) /
                    Seconds(span->start_ns, span->end_ns));
  return RedisDelete(port, feed.key);
}

std::string Describe(const DurableCase& c) {
  return absl::StrCat(c.policy, ", ",
                      c.element_bytes == sizeof(int64_t)
                          ? std::string("int64")
                          : absl::StrCat(c.element_bytes, " B"),
                      ", ", c.window, " in flight");
}

}  // namespace

absl::StatusOr<DurableQueueResults> MeasureDurableQueue(
    const DurableQueueConfig& config) {
  support::TempDir dir;
  if (dir.path().empty()) return absl::InternalError("no temporary dir");
  const std::string data_dir = absl::StrCat(dir.path(), "/troupe");
  std::error_code made;
  std::filesystem::create_directories(data_dir, made);
  if (made) return absl::InternalError(made.message());
  std::cout << "  " << config.seconds << " s per measurement in " << dir.path()
            << std::endl;

  auto task =
      TroupeTask::Start(config.troupe, dir.path(), {"--data-dir", data_dir});
  if (!task.ok()) return task.status();
  Session session((*task)->target());
  const TroupeSide side{session, data_dir, config.seconds};

  std::map<std::string, std::unique_ptr<RedisServer>> redis;
  if (!config.redis_server.empty()) {
    for (const Policy& policy : kPolicies) {
      RedisOptions options;
      options.appendfsync = policy.appendfsync;
      if (!options.appendfsync.empty()) {
        options.dir = absl::StrCat(dir.path(), "/redis-", policy.name);
        std::filesystem::create_directories(options.dir, made);
        if (made) return absl::InternalError(made.message());
      }
      auto server = RedisServer::Start(config.redis_server, options);
      if (!server.ok()) return server.status();
      redis[policy.name] = std::move(*server);
    }
  }

  DurableQueueResults results;
  std::vector<const Policy*> policies;
  for (const Policy& policy : kPolicies) {
    for (size_t bytes : {sizeof(int64_t), size_t{4096}}) {
      for (int32_t window : {1, config.window}) {
        DurableCase c;
        c.policy = policy.name;
        c.element_bytes = bytes;
        c.window = window;
        results.cases.push_back(std::move(c));
        policies.push_back(&policy);
      }
    }
  }
  for (int round = 0; round < config.rounds; ++round) {
    for (size_t i = 0; i < results.cases.size(); ++i) {
      DurableCase& c = results.cases[i];
      const Policy& policy = *policies[i];
      // Troupe first in even rounds, Redis first in odd ones.
      for (int turn = 0; turn < 2; ++turn) {
        const bool troupe = (turn + round) % 2 == 0;
        absl::Status done;
        if (troupe) {
          done = MeasureTroupe(side, policy, round, c);
        } else if (!redis.empty()) {
          done = MeasureRedis(redis[policy.name]->port(), config.seconds, round,
                              c);
        }
        if (!done.ok()) return done;
      }
      std::string log;
      if (!c.log_bytes.empty() && policy.durability != Durability::kNone) {
        log = absl::StrFormat(
            " (log %d B: %d elements replayed, %.1f B each)",
            c.log_bytes.back(), c.replayed.back(),
            static_cast<double>(c.log_bytes.back()) /
                static_cast<double>(std::max<int64_t>(1, c.replayed.back())));
      }
      std::cout << "  round " << round + 1 << ", " << Describe(c) << ": Troupe "
                << absl::StrFormat("%.0f", c.troupe.back()) << "/s" << log
                << ", Redis "
                << (c.redis.empty() ? std::string("n/a")
                                    : absl::StrFormat("%.0f", c.redis.back()))
                << "/s" << std::endl;
    }
  }
  return results;
}

}  // namespace troupe::bench
