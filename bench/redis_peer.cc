#include "bench/redis_peer.h"

#include <hiredis/hiredis.h>
#include <signal.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

#include "support/loopback.h"

namespace troupe::bench {

namespace {

using std::chrono::milliseconds;

// How long redis-server may take to say that it is ready.
constexpr std::chrono::seconds kStartTimeout{30};
// The RDB file of a server with persistence, in its dir.
constexpr char kRdbFile[] = "dump.rdb";
// How long a restarted server may take to answer, and a BGSAVE to finish
// (scenarios 6 and 8).
constexpr std::chrono::seconds kRecoveryTimeout{120};

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

absl::StatusOr<Context> Connect(uint16_t port) {
  Context context(redisConnect("127.0.0.1", port));
  if (!context || context->err) {
    return absl::UnavailableError(absl::StrCat(
        "redis: cannot connect: ", context ? context->errstr : "no memory"));
  }
  // A stuck benchmark fails instead of hanging.
  timeval timeout{120, 0};
  redisSetTimeout(context.get(), timeout);
  return context;
}

absl::Status Append(redisContext* context, const std::vector<const char*>& argv,
                    const std::vector<size_t>& lengths) {
  if (redisAppendCommandArgv(context, static_cast<int>(argv.size()),
                             const_cast<const char**>(argv.data()),
                             lengths.data()) != REDIS_OK) {
    return absl::InternalError(absl::StrCat("redis: ", context->errstr));
  }
  return absl::OkStatus();
}

absl::StatusOr<Reply> Next(redisContext* context) {
  void* raw = nullptr;
  if (redisGetReply(context, &raw) != REDIS_OK || raw == nullptr) {
    return absl::UnavailableError(absl::StrCat("redis: ", context->errstr));
  }
  Reply reply(static_cast<redisReply*>(raw));
  if (reply->type == REDIS_REPLY_ERROR) {
    return absl::InternalError(absl::StrCat("redis: ", reply->str));
  }
  return reply;
}

// Sends every buffered command now.
absl::Status Flush(redisContext* context) {
  int done = 0;
  while (!done) {
    if (redisBufferWrite(context, &done) != REDIS_OK)
      return absl::UnavailableError(absl::StrCat("redis: ", context->errstr));
  }
  return absl::OkStatus();
}

absl::StatusOr<Reply> Command(redisContext* context,
                              const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  if (auto status = Append(context, argv, lengths); !status.ok()) return status;
  return Next(context);
}

// An 8-byte value: a float32 [2] instance.
const std::string& Instance() {
  static const std::string* value = new std::string(8, '\x01');
  return *value;
}

// Field `name` of section `section` of INFO; NOT_FOUND if it has none.
absl::StatusOr<std::string> InfoField(redisContext* context,
                                      const std::string& section,
                                      absl::string_view name) {
  auto reply = Command(context, {"INFO", section});
  if (!reply.ok()) return reply.status();
  for (absl::string_view line : absl::StrSplit(
           absl::string_view((*reply)->str, static_cast<size_t>((*reply)->len)),
           "\r\n")) {
    if (absl::ConsumePrefix(&line, name) && absl::ConsumePrefix(&line, ":"))
      return std::string(line);
  }
  return absl::NotFoundError(absl::StrCat("redis: no ", name, " in INFO"));
}

}  // namespace

bool RedisAvailable() { return true; }

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Spawn(
    const std::string& redis_server_binary, const RedisOptions& options) {
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->port_ = options.port;
  if (server->port_ == 0) {
    const std::vector<uint16_t> ports = support::FreePorts(1);
    if (ports.empty()) return absl::InternalError("no free loopback port");
    server->port_ = ports[0];
  }
  // At log level notice it logs to stdout that it is ready, once it listens
  // (and has loaded its RDB).
  std::vector<std::string> argv = {redis_server_binary, "--port",
                                   absl::StrCat(server->port_)};
  argv.insert(argv.end(),
              {"--bind", "127.0.0.1", "--save", "", "--protected-mode", "no",
               "--daemonize", "no", "--loglevel", "notice"});
  if (!options.dir.empty()) {
    argv.insert(argv.end(),
                {"--dir", options.dir, "--dbfilename", std::string(kRdbFile)});
  }
  if (options.appendfsync.empty()) {
    argv.insert(argv.end(), {"--appendonly", "no"});
  } else {
    argv.insert(argv.end(),
                {"--appendonly", "yes", "--appendfsync", options.appendfsync,
                 "--auto-aof-rewrite-percentage", "0"});
  }
  auto child = Child::Spawn(argv);
  if (!child.ok()) return child.status();
  server->child_ = std::move(*child);
  return server;
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    const std::string& redis_server_binary, const RedisOptions& options) {
  auto spawned = Spawn(redis_server_binary, options);
  if (!spawned.ok()) return spawned.status();
  std::unique_ptr<RedisServer> server = std::move(*spawned);
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (true) {
    auto line =
        server->child_->ReadLine(std::chrono::duration_cast<milliseconds>(
            deadline - std::chrono::steady_clock::now()));
    if (!line.ok()) {
      return absl::Status(line.status().code(),
                          absl::StrCat("redis-server did not start: ",
                                       line.status().message()));
    }
    if (absl::StrContains(*line, "Ready to accept connections")) break;
  }
  // One round trip: it answers. Back at log level warning, it writes next to
  // nothing more to the pipe, which nobody reads during the run.
  auto context = Connect(server->port_);
  if (!context.ok()) return context.status();
  if (auto quiet =
          Command(context->get(), {"CONFIG", "SET", "loglevel", "warning"});
      !quiet.ok()) {
    return quiet.status();
  }
  return server;
}

RedisServer::~RedisServer() {
  if (child_) child_->Stop(SIGTERM, std::chrono::milliseconds(10000));
}

absl::StatusOr<Span> RedisLoad(const RedisFeed& feed,
                               const std::function<void()>& ready) {
  auto context = Connect(feed.port);
  if (!context.ok()) return context.status();
  redisContext* c = context->get();
  const std::string value(feed.value_bytes, '\x01');
  std::vector<const char*> argv = {"RPUSH", feed.key.c_str()};
  std::vector<size_t> lengths = {5, feed.key.size()};
  for (int32_t i = 0; i < feed.batch; ++i) {
    argv.push_back(value.data());
    lengths.push_back(value.size());
  }
  ready();
  Span span;
  span.start_ns = NowNs();
  int64_t sent = 0;
  int64_t in_flight = 0;
  auto more = [&] {
    return sent < feed.instances &&
           std::chrono::steady_clock::now() < feed.deadline;
  };
  while (true) {
    while (in_flight < feed.window && more()) {
      int64_t n = std::min<int64_t>(feed.batch, feed.instances - sent);
      argv.resize(2 + static_cast<size_t>(n));
      lengths.resize(2 + static_cast<size_t>(n));
      if (auto status = Append(c, argv, lengths); !status.ok()) return status;
      sent += n;
      ++in_flight;
    }
    if (in_flight == 0) break;
    auto reply = Next(c);
    if (!reply.ok()) return reply.status();
    --in_flight;
  }
  span.end_ns = NowNs();
  span.instances = sent;
  return span;
}

absl::StatusOr<Span> RedisTrain(const RedisFeed& feed,
                                const std::function<void()>& ready) {
  auto context = Connect(feed.port);
  if (!context.ok()) return context.status();
  redisContext* c = context->get();
  ready();
  Span span;
  span.start_ns = NowNs();
  int64_t received = 0;
  // Instances asked for by the commands in flight, oldest first: never more
  // than this trainer's share, so that several trainers all get theirs.
  std::deque<int64_t> asked;
  int64_t outstanding = 0;
  while (received < feed.instances) {
    while (static_cast<int32_t>(asked.size()) < feed.window &&
           received + outstanding < feed.instances) {
      int64_t n = std::min<int64_t>(feed.batch,
                                    feed.instances - received - outstanding);
      absl::Status status;
      if (feed.batch > 1) {
        // LPOP key count: an array, or nil while the list is empty.
        std::string count = absl::StrCat(n);
        status = Append(c, {"LPOP", feed.key.c_str(), count.c_str()},
                        {4, feed.key.size(), count.size()});
      } else {
        status = Append(c, {"BLPOP", feed.key.c_str(), "0"},
                        {5, feed.key.size(), 1});
      }
      if (!status.ok()) return status;
      asked.push_back(n);
      outstanding += n;
    }
    auto reply = Next(c);
    if (!reply.ok()) return reply.status();
    outstanding -= asked.front();
    asked.pop_front();
    if ((*reply)->type == REDIS_REPLY_ARRAY) {
      // LPOP count: the elements; BLPOP: [key, value].
      received += feed.batch > 1 ? static_cast<int64_t>((*reply)->elements) : 1;
    }
  }
  span.end_ns = NowNs();
  span.instances = received;
  return span;
}

absl::Status RedisDelete(uint16_t port, const std::string& key) {
  auto context = Connect(port);
  if (!context.ok()) return context.status();
  return Command(context->get(), {"DEL", key}).status();
}

absl::StatusOr<std::vector<double>> RedisRoundTrip(uint16_t port,
                                                   int64_t warmup,
                                                   int64_t pairs) {
  auto context = Connect(port);
  if (!context.ok()) return context.status();
  redisContext* c = context->get();
  const std::string key = "bench_round_trip";
  std::vector<const char*> push = {"RPUSH", key.c_str(), Instance().data()};
  std::vector<size_t> push_lengths = {5, key.size(), Instance().size()};
  std::vector<const char*> pop = {"LPOP", key.c_str()};
  std::vector<size_t> pop_lengths = {4, key.size()};
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(2 * pairs));
  for (int64_t i = 0; i < warmup + pairs; ++i) {
    int64_t start = NowNs();
    if (auto status = Append(c, push, push_lengths); !status.ok())
      return status;
    if (auto reply = Next(c); !reply.ok()) return reply.status();
    int64_t middle = NowNs();
    if (auto status = Append(c, pop, pop_lengths); !status.ok()) return status;
    auto reply = Next(c);
    if (!reply.ok()) return reply.status();
    if ((*reply)->type != REDIS_REPLY_STRING || (*reply)->len != 8)
      return absl::InternalError("redis: LPOP returned no element");
    int64_t end = NowNs();
    if (i < warmup) continue;
    latencies.push_back(static_cast<double>(middle - start) / 1e3);
    latencies.push_back(static_cast<double>(end - middle) / 1e3);
  }
  return latencies;
}

absl::StatusOr<SetGet> RedisSetGet(uint16_t port, size_t bytes) {
  auto context = Connect(port);
  if (!context.ok()) return context.status();
  redisContext* c = context->get();
  const std::string key = "bench_big";
  std::string value(bytes, '\x01');
  SetGet result;
  int64_t start = NowNs();
  if (auto status = Append(c, {"SET", key.c_str(), value.data()},
                           {3, key.size(), value.size()});
      !status.ok()) {
    return status;
  }
  if (auto reply = Next(c); !reply.ok()) return reply.status();
  int64_t middle = NowNs();
  if (auto status = Append(c, {"GET", key.c_str()}, {3, key.size()});
      !status.ok()) {
    return status;
  }
  auto reply = Next(c);
  if (!reply.ok()) return reply.status();
  int64_t end = NowNs();
  if ((*reply)->type != REDIS_REPLY_STRING ||
      static_cast<size_t>((*reply)->len) != bytes) {
    return absl::InternalError("redis: GET returned the wrong value");
  }
  reply->reset();
  if (auto deleted = Command(c, {"DEL", key}); !deleted.ok())
    return deleted.status();
  result.set_seconds = Seconds(start, middle);
  result.get_seconds = Seconds(middle, end);
  return result;
}

absl::StatusOr<double> RedisBigQueue(uint16_t port, size_t bytes, int64_t count,
                                     int producers) {
  std::vector<Context> producer_contexts;
  for (int i = 0; i < producers; ++i) {
    auto producer = Connect(port);
    if (!producer.ok()) return producer.status();
    producer_contexts.push_back(*std::move(producer));
  }
  auto consumer = Connect(port);
  if (!consumer.ok()) return consumer.status();
  const std::string key = "bench_big_queue";
  std::string value(bytes, '\x01');
  std::vector<absl::Status> produced(static_cast<size_t>(producers));
  int64_t start = NowNs();
  std::vector<std::thread> writers;
  for (int p = 0; p < producers; ++p) {
    writers.emplace_back([&, p] {
      redisContext* context = producer_contexts[static_cast<size_t>(p)].get();
      absl::Status& status = produced[static_cast<size_t>(p)];
      for (int64_t i = p; i < count && status.ok(); i += producers) {
        status = Append(context, {"RPUSH", key.c_str(), value.data()},
                        {5, key.size(), value.size()});
        if (status.ok()) status = Next(context).status();
      }
    });
  }
  absl::Status consumed;
  for (int64_t i = 0; i < count && consumed.ok(); ++i) {
    auto reply = Command(consumer->get(), {"BLPOP", key, "0"});
    if (!reply.ok()) {
      consumed = reply.status();
    } else if ((*reply)->type != REDIS_REPLY_ARRAY || (*reply)->elements != 2 ||
               static_cast<size_t>((*reply)->element[1]->len) != bytes) {
      consumed = absl::InternalError("redis: BLPOP returned the wrong value");
    }
  }
  int64_t end = NowNs();
  for (std::thread& writer : writers) writer.join();
  for (const absl::Status& status : produced) {
    if (!status.ok()) return status;
  }
  if (!consumed.ok()) return consumed;
  return Seconds(start, end);
}

absl::StatusOr<int64_t> RedisWaiters(uint16_t port, const std::string& key,
                                     int connections, int per_connection,
                                     const std::function<void()>& connected,
                                     const std::function<void()>& sent) {
  std::vector<Context> contexts;
  for (int i = 0; i < connections; ++i) {
    auto context = Connect(port);
    if (!context.ok()) return context.status();
    // A round trip, so that the server has set the connection up.
    if (auto pong = Command(context->get(), {"PING"}); !pong.ok())
      return pong.status();
    contexts.push_back(std::move(*context));
  }
  connected();
  for (Context& context : contexts) {
    for (int j = 0; j < per_connection; ++j) {
      if (auto status = Append(context.get(), {"BLPOP", key.c_str(), "0"},
                               {5, key.size(), 1});
          !status.ok()) {
        return status;
      }
    }
    if (auto status = Flush(context.get()); !status.ok()) return status;
  }
  sent();
  for (Context& context : contexts) {
    for (int j = 0; j < per_connection; ++j) {
      if (auto reply = Next(context.get()); !reply.ok()) return reply.status();
    }
  }
  return NowNs();
}

absl::Status RedisPushMany(uint16_t port, const std::string& key,
                           int64_t count) {
  auto context = Connect(port);
  if (!context.ok()) return context.status();
  std::vector<const char*> argv = {"RPUSH", key.c_str()};
  std::vector<size_t> lengths = {5, key.size()};
  for (int64_t i = 0; i < count; ++i) {
    argv.push_back(Instance().data());
    lengths.push_back(Instance().size());
  }
  if (auto status = Append(context->get(), argv, lengths); !status.ok())
    return status;
  return Next(context->get()).status();
}

absl::Status RedisAwaitBlockedClients(
    uint16_t port, int64_t count,
    std::chrono::steady_clock::time_point deadline) {
  auto context = Connect(port);
  if (!context.ok()) return context.status();
  while (std::chrono::steady_clock::now() < deadline) {
    auto field = InfoField(context->get(), "clients", "blocked_clients");
    if (!field.ok()) return field.status();
    int64_t blocked = -1;
    if (!absl::SimpleAtoi(*field, &blocked))
      return absl::InternalError("redis: bad blocked_clients in INFO");
    if (blocked == count) return absl::OkStatus();
  }
  return absl::DeadlineExceededError("redis: the clients did not all block");
}

namespace {

// A client that keeps calling one server: PING, or GET `key` expecting
// `value_bytes` bytes. It connects again after a lost connection.
class RecoveryCaller {
 public:
  RecoveryCaller(uint16_t port, std::string key, size_t value_bytes)
      : port_(port), key_(std::move(key)), value_bytes_(value_bytes) {}

  // One call: true when it was answered as expected.
  bool Call() {
    if (!context_) {
      auto context = Connect(port_);
      if (!context.ok()) return false;
      context_ = std::move(*context);
    }
    auto reply = key_.empty() ? Command(context_.get(), {"PING"})
                              : Command(context_.get(), {"GET", key_});
    // An error reply (LOADING while the RDB loads) leaves the connection
    // usable; a lost connection does not.
    if (absl::IsUnavailable(reply.status())) context_.reset();
    if (!reply.ok()) return false;
    if (key_.empty()) return (*reply)->type == REDIS_REPLY_STATUS;
    return (*reply)->type == REDIS_REPLY_STRING &&
           static_cast<size_t>((*reply)->len) == value_bytes_;
  }

 private:
  uint16_t port_ = 0;
  std::string key_;
  size_t value_bytes_ = 0;
  Context context_;
};

std::string Key(int index) { return absl::StrCat("key", index); }

// SETs keys key0.. to `value_bytes` pseudo-random bytes each.
absl::Status SetValues(redisContext* context, int keys, size_t value_bytes) {
  const std::vector<char> value = IncompressibleBytes(value_bytes);
  for (int i = 0; i < keys; ++i) {
    const std::string key = Key(i);
    if (auto status = Append(context, {"SET", key.c_str(), value.data()},
                             {3, key.size(), value.size()});
        !status.ok()) {
      return status;
    }
    if (auto reply = Next(context); !reply.ok()) return reply.status();
  }
  return absl::OkStatus();
}

// SetValues, then SAVE.
absl::Status WriteRdb(uint16_t port, int keys, size_t value_bytes) {
  auto context = Connect(port);
  if (!context.ok()) return context.status();
  if (auto set = SetValues(context->get(), keys, value_bytes); !set.ok())
    return set;
  auto saved = Command(context->get(), {"SAVE"});
  return saved.ok() ? absl::OkStatus() : saved.status();
}

// Kills `server` with SIGKILL and reaps it, as a supervisor learns of the
// exit.
void KillAndReap(std::unique_ptr<RedisServer>& server) {
  kill(server->pid(), SIGKILL);
  server.reset();
}

// Calls `caller` every millisecond until it is answered as expected; false
// past kRecoveryTimeout.
bool AwaitAnswer(RecoveryCaller& caller) {
  return RetryUntil([&] { return caller.Call(); }, milliseconds(1),
                    std::chrono::steady_clock::now() + kRecoveryTimeout);
}

}  // namespace

absl::StatusOr<RedisRecoveryTimes> MeasureRedisRecovery(
    const RedisRecovery& recovery) {
  RedisOptions options;
  options.dir = recovery.dir;
  auto server = RedisServer::Start(recovery.binary, options);
  if (!server.ok()) return server.status();
  options.port = (*server)->port();
  RedisRecoveryTimes times;
  if (recovery.keys > 0) {
    if (auto status =
            WriteRdb(options.port, recovery.keys, recovery.value_bytes);
        !status.ok()) {
      return status;
    }
    std::ifstream rdb(absl::StrCat(recovery.dir, "/", kRdbFile),
                      std::ios::binary | std::ios::ate);
    times.rdb_bytes = static_cast<int64_t>(rdb.tellg());
  }
  RecoveryCaller caller(options.port, recovery.keys > 0 ? Key(0) : "",
                        recovery.value_bytes);
  for (int kill_number = 0; kill_number < recovery.kills; ++kill_number) {
    if (!AwaitAnswer(caller))
      return absl::DeadlineExceededError("redis-server did not answer");
    const int64_t start = NowNs();
    KillAndReap(*server);
    server = RedisServer::Spawn(recovery.binary, options);
    if (!server.ok()) return server.status();
    if (!AwaitAnswer(caller)) {
      return absl::DeadlineExceededError(
          "the restarted redis-server did not answer");
    }
    times.seconds.push_back(Seconds(start, NowNs()));
  }
  return times;
}

absl::StatusOr<std::unique_ptr<RedisSnapshots>> RedisSnapshots::Start(
    const std::string& redis_server_binary, const std::string& dir, int keys,
    size_t value_bytes) {
  std::unique_ptr<RedisSnapshots> snapshots(new RedisSnapshots());
  snapshots->binary_ = redis_server_binary;
  snapshots->options_.dir = dir;
  snapshots->keys_ = keys;
  snapshots->value_bytes_ = value_bytes;
  auto server = RedisServer::Start(redis_server_binary, snapshots->options_);
  if (!server.ok()) return server.status();
  snapshots->server_ = std::move(*server);
  snapshots->options_.port = snapshots->server_->port();
  auto context = Connect(snapshots->options_.port);
  if (!context.ok()) return context.status();
  if (auto set = SetValues(context->get(), keys, value_bytes); !set.ok())
    return set;
  return snapshots;
}

absl::StatusOr<double> RedisSnapshots::BackgroundSave() {
  auto context = Connect(options_.port);
  if (!context.ok()) return context.status();
  const int64_t start = NowNs();
  // Answered once the child that writes the RDB was forked: from then on
  // INFO says that a save is in progress until it ended.
  if (auto started = Command(context->get(), {"BGSAVE"}); !started.ok())
    return started.status();
  absl::Status asked;
  const bool finished = RetryUntil(
      [&] {
        auto field =
            InfoField(context->get(), "persistence", "rdb_bgsave_in_progress");
        asked = field.status();
        return !field.ok() || *field == "0";
      },
      milliseconds(1), std::chrono::steady_clock::now() + kRecoveryTimeout);
  const int64_t end = NowNs();
  if (!asked.ok()) return asked;
  if (!finished) return absl::DeadlineExceededError("redis: BGSAVE went on");
  auto outcome =
      InfoField(context->get(), "persistence", "rdb_last_bgsave_status");
  if (!outcome.ok()) return outcome.status();
  if (*outcome != "ok")
    return absl::InternalError(absl::StrCat("redis: BGSAVE said ", *outcome));
  return Seconds(start, end);
}

absl::StatusOr<double> RedisSnapshots::RestartAndLoad() {
  KillAndReap(server_);
  const int64_t start = NowNs();
  auto server = RedisServer::Spawn(binary_, options_);
  if (!server.ok()) return server.status();
  server_ = std::move(*server);
  RecoveryCaller caller(options_.port, Key(keys_ - 1), value_bytes_);
  if (!AwaitAnswer(caller))
    return absl::DeadlineExceededError("redis-server did not load its RDB");
  const int64_t end = NowNs();
  // As Start does: at log level warning it writes next to nothing more to
  // the pipe, which nobody reads.
  auto context = Connect(options_.port);
  if (!context.ok()) return context.status();
  if (auto quiet =
          Command(context->get(), {"CONFIG", "SET", "loglevel", "warning"});
      !quiet.ok()) {
    return quiet.status();
  }
  return Seconds(start, end);
}

std::string RedisSnapshots::rdb_path() const {
  return absl::StrCat(options_.dir, "/", kRdbFile);
}

}  // namespace troupe::bench
