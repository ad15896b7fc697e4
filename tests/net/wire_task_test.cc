// Troupe's wire against a real `troupe task`: requests and replies, the
// handshake's errors, limits, a frozen task and a client that goes away while
// its dequeue waits.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/mailbox_element.hpp"
#include "doctest/doctest.h"

#include "net/call_interrupt.h"
#include "net/connect.h"
#include "net/frame_reader.h"
#include "net/tls_stream.h"
#include "net/wire_client.h"
#include "serialization/wire_messages.h"
#include "tests/cluster/certificates.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using testing::LocalCluster;

const absl::Duration kTimeout = absl::Seconds(20);

std::unique_ptr<WireClient> ConnectTo(LocalCluster& cluster) {
  auto client = WireClient::Connect(cluster.address(), kTimeout);
  REQUIRE_MESSAGE(client.ok(), client.status().ToString());
  return *std::move(client);
}

template <class Reply>
Reply CallFor(WireClient& client, const Message& request) {
  absl::StatusOr<Message> reply = client.Call(request, absl::Now() + kTimeout);
  REQUIRE_MESSAGE(reply.ok(), reply.status().ToString());
  REQUIRE(std::holds_alternative<Reply>(*reply));
  return std::get<Reply>(*std::move(reply));
}

QueueSpec FloatQueue(int32_t capacity) {
  QueueSpec spec;
  spec.kind = QueueKind::kFifo;
  spec.capacity = capacity;
  spec.dtypes = {DType::kFloat32};
  spec.shapes = {PartialShape()};
  return spec;
}

uint64_t MakeQueue(WireClient& client, const std::string& name) {
  return CallFor<QueueReply>(client, QueueRequest{"", "", name, FloatQueue(10)})
      .resource_id;
}

// The frames the task sends on `fd` until it closes the connection.
std::vector<Frame> ReadUntilClosed(int fd) {
  FrameReader reader;
  PlainStream stream(fd);
  std::vector<Frame> frames;
  const absl::Time deadline = absl::Now() + kTimeout;
  while (absl::Now() < deadline) {
    pollfd ready{fd, POLLIN, 0};
    poll(&ready, 1, 1000);
    auto progress = reader.ReadFrom(stream, frames);
    if (!progress.ok() || *progress == FrameReader::Progress::kClosed) break;
  }
  return frames;
}

absl::Status ErrorIn(std::vector<Frame>& frames) {
  for (Frame& frame : frames) {
    auto message = DecodeMessage(std::move(frame));
    if (message.ok() && std::holds_alternative<ErrorReply>(*message)) {
      return std::get<ErrorReply>(*message).status;
    }
  }
  return absl::OkStatus();
}

// `troupe task` for /job:ps/task:0 of `cluster` (made with start=false)
// under a memory limit of 64 MiB.
std::unique_ptr<testing::Process> StartLimitedTask(LocalCluster& cluster) {
  auto task = std::make_unique<testing::Process>(
      std::vector<std::string>{testing::TroupeBinary(), "task", "--cluster",
                               cluster.spec_path(), "--job", "ps", "--task",
                               "0", "--memory-limit", "64MiB"},
      cluster.dir().path() + "/limited.log");
  REQUIRE_MESSAGE(task->WaitForLog({"serving on"}), task->Log());
  return task;
}

constexpr uint64_t kBigSegment = uint64_t{40} << 20;

// A client's handshake, then the header and segment table of an enqueue
// frame whose one segment has 40 MiB; none of the frame's bytes after them.
std::string StartOfBigFrame() {
  std::string bytes(kHandshakeBytes + kFrameHeaderBytes + kSegmentEntryBytes,
                    '\0');
  EncodeHandshake(Handshake{kProtocolVersion, 0, 0}, bytes.data());
  FrameHeader header;
  header.kind = static_cast<uint16_t>(MessageKind::kEnqueue);
  header.segment_count = 1;
  header.body_bytes = 16;
  header.frame_bytes =
      kFrameHeaderBytes + kSegmentEntryBytes + 16 + kBigSegment;
  header.request_id = 1;
  EncodeFrameHeader(header, bytes.data() + kHandshakeBytes);
  SegmentEntry segment;
  segment.length = kBigSegment;
  EncodeSegmentEntry(segment,
                     bytes.data() + kHandshakeBytes + kFrameHeaderBytes);
  return bytes;
}

TEST_CASE("wire: a queue and a variable through a real task") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto client = ConnectTo(cluster);
  CHECK(client->incarnation() != 0);

  auto created =
      CallFor<QueueReply>(*client, QueueRequest{"", "", "q", FloatQueue(10)});
  CHECK(created.created);
  const uint64_t q = created.resource_id;
  CallFor<OkReply>(*client,
                   EnqueueRequest{q, {Tensor::Scalar<float>(1.5f)}, -1});
  CHECK(CallFor<SizeReply>(*client, SizeRequest{q}).size == 1);
  auto element = CallFor<TupleReply>(*client, DequeueRequest{q, -1});
  REQUIRE(element.components.size() == 1);
  CHECK(element.components[0].flat<float>()[0] == 1.5f);

  // The same queue looked up again has the same id.
  CHECK(CallFor<LookupReply>(*client, LookupRequest{"", "", "q"}).resource_id ==
        q);

  const uint64_t v =
      CallFor<VariableReply>(
          *client,
          VariableRequest{"", "", "v", VariableSpec{DType::kFloat32, {2}}})
          .resource_id;
  CallFor<OkReply>(
      *client,
      AssignRequest{v, Tensor::FromVector<float>({2}, {1.0f, 2.0f}), true});
  auto sum = CallFor<TensorReply>(
      *client, AssignAddRequest{v, Tensor::FromVector<float>({2}, {1, 1})});
  CHECK(sum.value.flat<float>()[1] == 3.0f);

  auto status = CallFor<StatusReply>(*client, StatusRequest{});
  CHECK(status.status.device == "/job:ps/task:0");
  CHECK(status.status.incarnation == client->incarnation());
  CHECK(CallFor<ListReply>(*client, ListRequest{""}).resources.size() == 2);
}

TEST_CASE(
    "wire: errors keep TensorFlow's codes, and unknown ids are NOT_FOUND") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto client = ConnectTo(cluster);
  const uint64_t q = MakeQueue(*client, "q");
  auto timed_out = client->Call(DequeueRequest{q, 50}, absl::Now() + kTimeout);
  CHECK(timed_out.status().code() == absl::StatusCode::kDeadlineExceeded);
  auto unknown =
      client->Call(DequeueRequest{q + 1000, -1}, absl::Now() + kTimeout);
  CHECK(unknown.status().code() == absl::StatusCode::kNotFound);
  auto missing =
      client->Call(LookupRequest{"", "", "nothing"}, absl::Now() + kTimeout);
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);

  // After a reset the id names a resource that is gone.
  CallFor<OkReply>(*client, ResetRequest{"", {}});
  auto gone = client->Call(SizeRequest{q}, absl::Now() + kTimeout);
  CHECK(gone.status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("wire: several threads share one connection") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto client = ConnectTo(cluster);
  const uint64_t q = MakeQueue(*client, "q");
  constexpr int kPerThread = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Two producers and two consumers through a queue of 10.
        absl::StatusOr<Message> reply =
            t % 2 == 0
                ? client->Call(
                      EnqueueRequest{q, {Tensor::Scalar<float>(1.0f)}, -1},
                      absl::Now() + kTimeout)
                : client->Call(DequeueRequest{q, -1}, absl::Now() + kTimeout);
        if (!reply.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures == 0);
  CHECK(CallFor<SizeReply>(*client, SizeRequest{q}).size == 0);
}

// Counts the answers of asynchronous calls, and waits for them.
class AsyncAnswers {
 public:
  WireClient::Done Callback() {
    return [this](absl::StatusOr<Message> reply, caf::execution_unit*) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++(reply.ok() ? ok_ : failed_);
      changed_.notify_all();
    };
  }
  // Whether `count` answers came within kTimeout, all of them OK.
  bool WaitForOk(int count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, absl::ToChronoSeconds(kTimeout),
                      [&] { return ok_ + failed_ >= count; });
    return ok_ == count && failed_ == 0;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int ok_ = 0;
  int failed_ = 0;
};

TEST_CASE(
    "wire: asynchronous calls held for more go out with the next call, with "
    "Flush, or once too many wait") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto client = ConnectTo(cluster);
  const uint64_t q = MakeQueue(*client, "q");
  {
    AsyncAnswers answers;
    for (int i = 0; i < 3; ++i) {
      client->CallAsync(SizeRequest{q}, answers.Callback(),
                        /*more_follow=*/true);
    }
    client->CallAsync(SizeRequest{q}, answers.Callback());
    CHECK(answers.WaitForOk(4));
  }
  {
    AsyncAnswers answers;
    client->CallAsync(SizeRequest{q}, answers.Callback(), true);
    client->Flush();
    CHECK(answers.WaitForOk(1));
  }
  {
    AsyncAnswers answers;
    const int held_at_most = static_cast<int>(WireClient::kMaxHeldFrames);
    for (int i = 0; i <= held_at_most; ++i) {
      client->CallAsync(SizeRequest{q}, answers.Callback(), true);
    }
    CHECK(answers.WaitForOk(held_at_most + 1));
  }
}

// A task, and an actor system for the client's actors.
struct ClientActors {
  ClientActors() { REQUIRE_MESSAGE(cluster.ready(), cluster.Describe()); }

  // A connection whose reader thread is an execution unit of `system`.
  std::shared_ptr<WireClient> Connect(WireClientOptions options = {}) {
    options.system = &system;
    auto connected = WireClient::Connect(cluster.address(), kTimeout, options);
    REQUIRE_MESSAGE(connected.ok(), connected.status().ToString());
    return *std::move(connected);
  }

  LocalCluster cluster;
  caf::actor_system_config config;
  caf::actor_system system{config};
};

// Sends `actor` an int32 with `unit`, as a reply's callback does.
void Wake(const caf::actor& actor, caf::execution_unit* unit) {
  caf::actor_cast<caf::abstract_actor*>(actor)->enqueue(
      caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                                int32_t{1}),
      unit);
}

// What an actor that an asynchronous reply woke saw: the thread it ran on,
// and the references to the client left when it let go of its own; and the
// thread that delivered the reply, and whether it came with a unit.
struct ReplyRun {
  std::thread::id thread;
  long client_references = 0;
  std::thread::id reader;
  bool with_unit = false;
};

// Spawns an actor on `system` that holds the only reference to `client`,
// lazily (it runs first when a message comes); then calls SizeRequest
// through the client for it. When the reply wakes the actor, it lets go of
// the client.
ReplyRun CallFromActor(caf::actor_system& system,
                       std::shared_ptr<WireClient> client) {
  const uint64_t q = MakeQueue(*client, "q");
  WireClient* const calls = client.get();
  auto seen = std::make_shared<std::promise<ReplyRun>>();
  std::future<ReplyRun> answered = seen->get_future();
  caf::actor actor = system.spawn<caf::lazy_init>(
      [client = std::move(client), seen](caf::event_based_actor* self) mutable {
        return caf::behavior{[=](int32_t) mutable {
          ReplyRun run;
          run.thread = std::this_thread::get_id();
          run.client_references = client.use_count();
          client.reset();
          seen->set_value(run);
          self->quit();
        }};
      });
  std::promise<std::thread::id> reader;
  std::atomic<bool> with_unit{false};
  calls->CallAsync(SizeRequest{q},
                   [actor, &reader, &with_unit](absl::StatusOr<Message>,
                                                caf::execution_unit* unit) {
                     reader.set_value(std::this_thread::get_id());
                     with_unit = unit != nullptr;
                     Wake(actor, unit);
                   });
  REQUIRE(answered.wait_for(absl::ToChronoSeconds(kTimeout)) ==
          std::future_status::ready);
  ReplyRun result = answered.get();
  result.reader = reader.get_future().get();
  result.with_unit = with_unit;
  return result;
}

TEST_CASE_FIXTURE(
    ClientActors,
    "wire: with a system, the actor that an asynchronous reply wakes runs on "
    "the client's reader thread, which lives on if the actor drops the "
    "client") {
  const ReplyRun run = CallFromActor(system, Connect());
  CHECK(run.with_unit);
  CHECK(run.thread == run.reader);
  // The actor held the last reference: the client's destructor ran on its
  // own reader thread, which then left on its own instead of being joined.
  CHECK(run.client_references == 1);
}

TEST_CASE_FIXTURE(
    ClientActors,
    "wire: without a system, an asynchronous reply comes with no unit and "
    "its actor runs on one of CAF's workers") {
  const ReplyRun run = CallFromActor(system, ConnectTo(cluster));
  CHECK_FALSE(run.with_unit);
  CHECK(run.thread != run.reader);
  CHECK(run.client_references == 1);
}

TEST_CASE_FIXTURE(
    ClientActors,
    "wire: an actor on the reader thread that writes more than the socket "
    "takes does not stall the connection: the thread reads the replies "
    "that come meanwhile") {
  AsyncAnswers answers;  // outlives the client, which may still call it
  WireClientOptions options;
  // Over TCP: through shared memory a tensor's bytes would not fill the
  // sockets.
  options.shared_memory = SharedMemoryUse::kOff;
  std::shared_ptr<WireClient> client = Connect(options);
  constexpr int64_t kFloats = int64_t{1} << 18;  // 1 MiB
  const uint64_t v =
      CallFor<VariableReply>(
          *client, VariableRequest{"", "", "v",
                                   VariableSpec{DType::kFloat32, {kFloats}}})
          .resource_id;
  const Tensor mebibyte = Tensor::Zeros(DType::kFloat32, {kFloats});
  CallFor<OkReply>(*client, AssignRequest{v, mebibyte, true});

  // 64 reads first: 64 MiB of replies, past what the task keeps unsent for
  // a client (16 MiB) before it stops reading it; then 64 MiB of assigns,
  // past what the sockets hold, written by the actor on the reader thread.
  constexpr int kEach = 64;
  auto write_all = [client, v, mebibyte, &answers](int32_t) {
    for (int i = 0; i < kEach; ++i)
      client->CallAsync(ReadRequest{v}, answers.Callback());
    for (int i = 0; i < kEach; ++i)
      client->CallAsync(AssignRequest{v, mebibyte, true}, answers.Callback());
  };
  caf::actor writer =
      system.spawn<caf::lazy_init>([write_all](caf::event_based_actor* self) {
        return caf::behavior{[self, write_all](int32_t go) {
          write_all(go);
          self->quit();
        }};
      });
  client->CallAsync(StatusRequest{}, [writer](absl::StatusOr<Message>,
                                              caf::execution_unit* unit) {
    Wake(writer, unit);
  });
  CHECK(answers.WaitForOk(2 * kEach));
}

TEST_CASE("wire: a waiting dequeue whose connection closes loses no element") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto keeper = ConnectTo(cluster);
  const uint64_t q = MakeQueue(*keeper, "q");
  {
    auto leaver = ConnectTo(cluster);
    const uint64_t same = MakeQueue(*leaver, "q");
    // A dequeue that waits, then its client goes away without its reply.
    auto waiting = leaver->Call(DequeueRequest{same, -1},
                                absl::Now() + absl::Milliseconds(200));
    CHECK(waiting.status().code() == absl::StatusCode::kDeadlineExceeded);
  }
  // Once the task saw the connection close, its dequeue no longer waits, and
  // the element goes to the keeper.
  CHECK(testing::WaitUntil([&] {
    auto info = keeper->Call(DescribeRequest{q}, absl::Now() + kTimeout);
    return info.ok() &&
           std::get<DescribeReply>(*info).info.waiting_dequeues == 0;
  }));
  CallFor<OkReply>(*keeper,
                   EnqueueRequest{q, {Tensor::Scalar<float>(7.0f)}, -1});
  auto element = CallFor<TupleReply>(*keeper, DequeueRequest{q, 1000});
  CHECK(element.components[0].flat<float>()[0] == 7.0f);
}

TEST_CASE("wire: an interrupted call closes its connection and is withdrawn") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto keeper = ConnectTo(cluster);
  const uint64_t q = MakeQueue(*keeper, "q");
  auto waiting_dequeues = [&] {
    auto info = keeper->Call(DescribeRequest{q}, absl::Now() + kTimeout);
    return info.ok() ? std::get<DescribeReply>(*info).info.waiting_dequeues
                     : -1;
  };
  auto interrupted = ConnectTo(cluster);
  const uint64_t same = MakeQueue(*interrupted, "q");
  // Another thread waits on the same connection.
  absl::StatusOr<Message> other;
  std::thread other_thread([&] {
    other = interrupted->Call(DequeueRequest{same, -1}, absl::Now() + kTimeout);
  });
  // Once both dequeues wait on the task (or the watcher gave up), the check
  // says to give up.
  std::atomic<bool> both_wait{false};
  std::atomic<bool> watched{false};
  std::thread watcher([&] {
    both_wait = testing::WaitUntil([&] { return waiting_dequeues() == 2; });
    watched = true;
  });
  {
    int checks = 0;
    ScopedCallInterrupt interrupt(absl::Milliseconds(10), [&] {
      ++checks;
      return watched.load();
    });
    auto waiting =
        interrupted->Call(DequeueRequest{same, -1}, absl::InfiniteFuture());
    CHECK(waiting.status().code() == absl::StatusCode::kCancelled);
    CHECK(absl::StrContains(waiting.status().message(), "was interrupted"));
    CHECK(interrupt.fired());
    CHECK(checks >= 1);
    // A later call of the thread is not sent.
    CHECK(interrupted->Call(SizeRequest{same}, absl::Now() + kTimeout)
              .status()
              .code() == absl::StatusCode::kCancelled);
  }
  watcher.join();
  other_thread.join();
  CHECK(both_wait);
  CHECK(other.status().code() == absl::StatusCode::kUnavailable);
  CHECK(!interrupted->health().ok());
  // The task withdrew both dequeues: the element goes to the keeper.
  CHECK(testing::WaitUntil([&] { return waiting_dequeues() == 0; }));
  CallFor<OkReply>(*keeper,
                   EnqueueRequest{q, {Tensor::Scalar<float>(7.0f)}, -1});
  auto element = CallFor<TupleReply>(*keeper, DequeueRequest{q, 1000});
  CHECK(element.components[0].flat<float>()[0] == 7.0f);
}

TEST_CASE("wire: a frozen task is UNAVAILABLE within the silence timeout") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  WireClientOptions options;
  options.silence_timeout = absl::Seconds(2);
  auto client = WireClient::Connect(cluster.address(), kTimeout, options);
  REQUIRE(client.ok());
  const uint64_t q = MakeQueue(**client, "q");
  cluster.task()->process().Signal(SIGSTOP);
  const absl::Time start = absl::Now();
  auto waiting = (*client)->Call(DequeueRequest{q, -1}, absl::InfiniteFuture());
  const absl::Duration waited = absl::Now() - start;
  cluster.task()->process().Signal(SIGCONT);
  CHECK(waiting.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(waiting.status().message(), "sent nothing for 2s"));
  CHECK(waited < kTimeout);
  // Every later call fails at once.
  CHECK(
      (*client)->Call(SizeRequest{q}, absl::InfiniteFuture()).status().code() ==
      absl::StatusCode::kUnavailable);
}

TEST_CASE("wire: a handshake of another version is refused, naming both") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto socket = OpenConnection(cluster.address(), kTimeout);
  REQUIRE(socket.ok());
  char handshake[kHandshakeBytes];
  EncodeHandshake(Handshake{kProtocolVersion, 0, 0}, handshake);
  handshake[4] = 1;  // version 1
  REQUIRE(send(socket->get(), handshake, sizeof(handshake), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(sizeof(handshake)));
  std::vector<Frame> frames = ReadUntilClosed(socket->get());
  absl::Status refused = ErrorIn(frames);
  CHECK(refused.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(absl::StrContains(refused.message(),
                          "protocol version 1 is not spoken here"));
}

TEST_CASE(
    "wire: a header over the limits closes the connection before any "
    "allocation, and the task serves on") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto socket = OpenConnection(cluster.address(), kTimeout);
  REQUIRE(socket.ok());
  char bytes[kHandshakeBytes + kFrameHeaderBytes];
  EncodeHandshake(Handshake{kProtocolVersion, 0, 0}, bytes);
  FrameHeader header;
  header.kind = static_cast<uint16_t>(MessageKind::kEnqueue);
  header.frame_bytes = uint64_t{1} << 40;
  header.request_id = 1;
  EncodeFrameHeader(header, bytes + kHandshakeBytes);
  REQUIRE(send(socket->get(), bytes, sizeof(bytes), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(sizeof(bytes)));
  std::vector<Frame> frames = ReadUntilClosed(socket->get());
  absl::Status refused = ErrorIn(frames);
  CHECK(refused.code() == absl::StatusCode::kResourceExhausted);
  CHECK(absl::StrContains(refused.message(), "max_frame_bytes"));

  auto client = ConnectTo(cluster);
  CHECK(MakeQueue(*client, "still_serving") != 0);
}

TEST_CASE(
    "wire: frames being received share the task's memory limit, and one past "
    "it "
    "is refused before anything is allocated") {
  LocalCluster cluster({{"ps", 1}}, /*start=*/false);
  std::unique_ptr<testing::Process> limited = StartLimitedTask(cluster);
  testing::Process& task = *limited;
  const TaskAddress address = cluster.address();
  // A frame of 40 MiB announced by its header, its bytes never sent.
  auto announce = [](int fd) {
    const std::string bytes = StartOfBigFrame();
    return send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  };
  auto first = OpenConnection(address, kTimeout);
  REQUIRE(first.ok());
  REQUIRE(announce(first->get()));
  auto client = ConnectTo(cluster);  // Served meanwhile.
  CHECK(MakeQueue(*client, "q") != 0);
  // The first frame holds 40 of the 64 MiB: a second one does not fit.
  auto second = OpenConnection(address, kTimeout);
  REQUIRE(second.ok());
  REQUIRE(announce(second->get()));
  std::vector<Frame> frames = ReadUntilClosed(second->get());
  absl::Status refused = ErrorIn(frames);
  CHECK(refused.code() == absl::StatusCode::kResourceExhausted);
  CHECK_MESSAGE(absl::StrContains(refused.message(),
                                  "past its budget for frames being received"),
                refused.ToString());
  // A frame that makes no progress for the heartbeat timeout (4 s) closes
  // its connection; its 40 MiB are free again: a real 40 MiB enqueue fits.
  CHECK(task.WaitForLog({"closed: its frame made no progress for 4s"}));
  first->Reset();
  QueueSpec big;
  big.capacity = 1;
  big.dtypes = {DType::kFloat32};
  big.shapes = {PartialShape{int64_t{10} << 20}};
  const Tensor element = Tensor::Zeros(DType::kFloat32, {int64_t{10} << 20});
  CHECK(testing::WaitUntil([&] {
    auto fresh = WireClient::Connect(address, kTimeout);
    if (!fresh.ok()) return false;
    auto queue = (*fresh)->Call(QueueRequest{"", "", "big", big},
                                absl::Now() + kTimeout);
    if (!queue.ok()) return false;
    const uint64_t id = std::get<QueueReply>(*queue).resource_id;
    return (*fresh)
        ->Call(EnqueueRequest{id, {element}, 0}, absl::Now() + kTimeout)
        .ok();
  }));
  CHECK(MakeQueue(*client, "still_serving") != 0);
}

TEST_CASE("wire: a connection whose handshake does not come is closed") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto silent = OpenConnection(cluster.address(), kTimeout);
  REQUIRE(silent.ok());
  // The task sends its own handshake at once, then closes after 10 s.
  std::vector<Frame> frames = ReadUntilClosed(silent->get());
  CHECK(frames.empty());
  CHECK(cluster.task()->process().WaitForLog(
      {"closed: no handshake within 10s"}));
  CHECK(MakeQueue(*ConnectTo(cluster), "still_serving") != 0);
}

TEST_CASE(
    "wire: a client killed in the middle of a frame frees its share of the "
    "budget at once") {
  LocalCluster cluster({{"ps", 1}}, /*start=*/false);
  std::unique_ptr<testing::Process> limited = StartLimitedTask(cluster);
  testing::Process& task = *limited;
  const TaskAddress address = cluster.address();
  auto client = WireClient::Connect(address, kTimeout);
  REQUIRE(client.ok());
  QueueSpec big;
  big.capacity = 2;
  big.dtypes = {DType::kFloat32};
  big.shapes = {PartialShape{int64_t{10} << 20}};
  const uint64_t q =
      std::get<QueueReply>(*(*client)->Call(QueueRequest{"", "", "big", big},
                                            absl::Now() + kTimeout))
          .resource_id;
  const Tensor element = Tensor::Zeros(DType::kFloat32, {int64_t{10} << 20});
  // Twice: a peer that closes (as the kernel does for a killed process), then
  // one that resets the connection.
  auto opened = [&task] {
    const std::string log = task.Log();
    size_t count = 0;
    for (size_t at = log.find(" opened"); at != std::string::npos;
         at = log.find(" opened", at + 1)) {
      ++count;
    }
    return count;
  };
  for (const bool reset : {false, true}) {
    const size_t opened_before = opened();
    auto killed = OpenConnection(address, kTimeout);
    REQUIRE(killed.ok());
    // The start of a 40 MiB frame and 1 MiB of its bytes.
    const std::string bytes = StartOfBigFrame() + std::string(1 << 20, '\0');
    size_t sent = 0;
    while (sent < bytes.size()) {
      pollfd writable{killed->get(), POLLOUT, 0};
      REQUIRE(poll(&writable, 1, 20000) == 1);
      const ssize_t count = send(killed->get(), bytes.data() + sent,
                                 bytes.size() - sent, MSG_NOSIGNAL);
      if (count > 0) sent += static_cast<size_t>(count);
    }
    if (reset) {
      const linger abort{1, 0};
      setsockopt(killed->get(), SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
    } else {
      // A socket closed with unread bytes resets: take the task's handshake.
      char handshake[kHandshakeBytes];
      size_t got = 0;
      while (got < sizeof(handshake)) {
        pollfd readable{killed->get(), POLLIN, 0};
        REQUIRE(poll(&readable, 1, 20000) == 1);
        const ssize_t count =
            recv(killed->get(), handshake + got, sizeof(handshake) - got, 0);
        REQUIRE(count > 0);
        got += static_cast<size_t>(count);
      }
    }
    // The task took the handshake, so it reads the frame's header too.
    REQUIRE(testing::WaitUntil([&] { return opened() > opened_before; }));
    killed->Reset();
    const std::string closed =
        reset ? "closed: UNAVAILABLE" : "closed by the peer";
    REQUIRE_MESSAGE(task.WaitForLog({closed}), task.Log());
    // Its 40 MiB are free: a real 40 MiB frame fits beside the held ones,
    // without waiting for the frame's stall timeout.
    auto enqueued = (*client)->Call(EnqueueRequest{q, {element}, -1},
                                    absl::Now() + kTimeout);
    CHECK_MESSAGE(enqueued.ok(), enqueued.status().ToString());
    CHECK(!absl::StrContains(task.Log(), "made no progress"));
    auto dequeued =
        (*client)->Call(DequeueRequest{q, -1}, absl::Now() + kTimeout);
    CHECK(dequeued.ok());
  }
}

TEST_CASE("wire: mutual TLS serves the CA's clients and refuses the rest") {
  testing::Certificates certificates;
  REQUIRE_MESSAGE(certificates.ok(), certificates.failure());
  LocalCluster cluster({{"ps", 1}}, true, certificates.SpecTls());
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  const TaskAddress address = cluster.address();
  auto context_of = [&](const std::string& name, const std::string& ca) {
    auto context = MakeTlsContext({certificates.Path(name + ".pem"),
                                   certificates.Path(name + ".key"),
                                   certificates.Path(ca + ".pem")});
    REQUIRE_MESSAGE(context.ok(), context.status().ToString());
    return *context;
  };

  WireClientOptions trusted;
  trusted.tls = context_of("client", "ca");
  auto client = WireClient::Connect(address, kTimeout, trusted);
  REQUIRE_MESSAGE(client.ok(), client.status().ToString());
  const uint64_t q = MakeQueue(**client, "q");
  CallFor<OkReply>(**client,
                   EnqueueRequest{q, {Tensor::Scalar<float>(2.5f)}, -1});
  CHECK(CallFor<TupleReply>(**client, DequeueRequest{q, -1})
            .components[0]
            .flat<float>()[0] == 2.5f);

  // A stranger's certificate: with TLS 1.3 the client's side of the
  // handshake ends before the task checks it, so the refusal comes after
  // Connect, as the task's TLS alert. The client sends nothing more: a
  // request the task never reads would make its close a reset, which may
  // overtake the alert.
  WireClientOptions stranger;
  stranger.tls = context_of("stranger", "ca");
  absl::Status refused = [&] {
    auto connected = WireClient::Connect(address, kTimeout, stranger);
    if (!connected.ok()) return connected.status();
    absl::Status health;
    testing::WaitUntil([&] {
      health = (*connected)->Probe();
      return !health.ok();
    });
    return health;
  }();
  CHECK(refused.code() == absl::StatusCode::kUnavailable);
  CHECK_MESSAGE(absl::StrContains(refused.message(), "alert"),
                refused.ToString());

  auto plaintext = WireClient::Connect(address, kTimeout);
  CHECK(plaintext.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(plaintext.status().message(), "speaks TLS only"));

  // The task serves on.
  CHECK(CallFor<SizeReply>(**client, SizeRequest{q}).size == 0);
}

TEST_CASE("wire: a TLS client of a plaintext task is told so") {
  testing::Certificates certificates;
  REQUIRE_MESSAGE(certificates.ok(), certificates.failure());
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  auto context = MakeTlsContext({certificates.Path("client.pem"),
                                 certificates.Path("client.key"),
                                 certificates.Path("ca.pem")});
  REQUIRE(context.ok());
  WireClientOptions options;
  options.tls = *context;
  auto client = WireClient::Connect(cluster.address(), kTimeout, options);
  CHECK(client.status().code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(client.status().message(), "does not speak TLS"));
}

}  // namespace
}  // namespace troupe
