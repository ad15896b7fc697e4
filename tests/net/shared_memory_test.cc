// Shared memory between a client and a task of the same host (issue 16):
// the path taken and its counters, the fallback to TCP with the same
// results, TLS nodes that allow it (--shared-memory-with-tls) and a process
// of another uid on the Unix socket, a client killed with a region in
// flight, and hostile handles.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "doctest/doctest.h"

#include "base/little_endian.h"
#include "net/connect.h"
#include "net/frame_reader.h"
#include "net/local_socket.h"
#include "net/tls_stream.h"
#include "net/wire_client.h"
#include "serialization/wire_messages.h"
#include "tests/cluster/certificates.h"
#include "tests/cluster/task_process.h"

namespace troupe {
namespace {

using testing::LocalCluster;

const absl::Duration kTimeout = absl::Seconds(20);

std::unique_ptr<WireClient> Connect(const TaskAddress& address,
                                    SharedMemoryUse use,
                                    WireClientOptions options = {}) {
  options.shared_memory = use;
  auto client = WireClient::Connect(address, kTimeout, options);
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

QueueSpec FloatQueue() {
  QueueSpec spec;
  spec.kind = QueueKind::kFifo;
  spec.capacity = 8;
  spec.dtypes = {DType::kFloat32};
  spec.shapes = {};
  return spec;
}

uint64_t MakeQueue(WireClient& client, const std::string& name) {
  return CallFor<QueueReply>(client, QueueRequest{"", "", name, FloatQueue()})
      .resource_id;
}

// `count` floats, each its own index plus `seed`.
Tensor Floats(int64_t count, float seed) {
  std::vector<float> values(static_cast<size_t>(count));
  for (size_t i = 0; i < values.size(); ++i) {
    values[i] = seed + static_cast<float>(i);
  }
  return Tensor::FromVector<float>({count}, values);
}

// A variable of `elements` floats, its id.
uint64_t MakeVariable(WireClient& client, const std::string& name,
                      int64_t elements) {
  VariableSpec spec;
  spec.dtype = DType::kFloat32;
  spec.shape = Shape{elements};
  return CallFor<VariableReply>(client, VariableRequest{"", "", name, spec})
      .resource_id;
}

// The options of a TLS client with the certificates' client certificate,
// allowing shared memory with TLS as `shared_memory_with_tls` says.
WireClientOptions TlsClient(const testing::Certificates& certificates,
                            bool shared_memory_with_tls) {
  auto context = MakeTlsContext({certificates.Path("client.pem"),
                                 certificates.Path("client.key"),
                                 certificates.Path("ca.pem")});
  REQUIRE_MESSAGE(context.ok(), context.status().ToString());
  WireClientOptions options;
  options.tls = *std::move(context);
  options.shared_memory_with_tls = shared_memory_with_tls;
  return options;
}

// Certificates, and a cluster of one task that speaks TLS with them.
struct TlsCluster {
  testing::Certificates certificates;
  LocalCluster cluster{{{"ps", 1}}, /*start=*/false, certificates.SpecTls()};

  // Starts the task with `extra` flags and waits until it serves.
  std::unique_ptr<testing::TaskProcess> StartTask(
      const std::vector<std::string>& extra) {
    REQUIRE_MESSAGE(certificates.ok(), certificates.failure());
    auto task = std::make_unique<testing::TaskProcess>(
        cluster.spec_path(), "ps", 0, cluster.dir().path() + "/task.log",
        extra);
    REQUIRE_MESSAGE(task->WaitReady(), task->Log());
    return task;
  }
};

// `troupe ctl --target TARGET` with the client's certificate, forced onto
// the task's Unix socket with TLS allowed there, running `verb`.
testing::CommandResult ForcedCtl(const testing::Certificates& certificates,
                                 const std::string& target,
                                 const std::vector<std::string>& verb) {
  std::vector<std::string> args = certificates.Flags("client", "ca");
  args.insert(args.end(),
              {"--shared-memory", "force", "--shared-memory-with-tls"});
  args.insert(args.end(), verb.begin(), verb.end());
  return testing::RunCtl(target, args);
}

// A child process that runs as uid 65534 (nobody), for the tests of a
// stranger on the Unix socket; killed and reaped when this goes.
class Stranger {
 public:
  static constexpr uid_t kUid = 65534;

  // Forks a child that becomes kUid and exits with what `body` returns (100
  // when it cannot become kUid). `body` must not use doctest.
  explicit Stranger(const std::function<int()>& body) : pid_(fork()) {
    if (pid_ == 0) _exit(setuid(kUid) == 0 ? body() : 100);
    REQUIRE(pid_ > 0);
  }
  ~Stranger() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Stranger(const Stranger&) = delete;
  Stranger& operator=(const Stranger&) = delete;

  // Waits for the child's exit (its body bounds its own waits): its exit
  // code, or -1 when it did not exit normally.
  int Wait() {
    int status = 0;
    const bool reaped = waitpid(pid_, &status, 0) == pid_;
    pid_ = -1;
    return reaped && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_;
};

TaskStatus StatusOf(WireClient& client) {
  return CallFor<StatusReply>(client, StatusRequest{}).status;
}

// Enqueues `value` through `producer`, dequeues it through `consumer`, and
// checks that it came back the same.
Tensor RoundTrip(WireClient& producer, WireClient& consumer, uint64_t q_of_p,
                 uint64_t q_of_c, const Tensor& value) {
  CallFor<OkReply>(producer, EnqueueRequest{q_of_p, {value}, -1});
  Tensor got = CallFor<TupleReply>(consumer, DequeueRequest{q_of_c, -1})
                   .components.at(0);
  CHECK(got == value);
  return got;
}

// Entries of /proc/PID/fd, and the lines of /proc/PID/maps that map a memfd.
size_t OpenDescriptors(pid_t pid) {
  size_t count = 0;
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) return 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

size_t MemfdMappings(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  size_t count = 0;
  for (std::string line; std::getline(maps, line);) {
    if (absl::StrContains(line, "/memfd:")) ++count;
  }
  return count;
}

// A memfd of `size` bytes with `seals` added (none: 0).
int Memfd(size_t size, int seals) {
  const int fd = memfd_create("hostile", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, static_cast<off_t>(size)) == 0);
  if (seals != 0) REQUIRE(fcntl(fd, F_ADD_SEALS, seals) == 0);
  return fd;
}

// A raw connection to the task's Unix socket that offered shared memory in
// its handshake.
Fd RawLocalConnection(uint16_t port) {
  auto socket = ConnectLocal(port);
  REQUIRE_MESSAGE(socket.ok(), socket.status().ToString());
  char handshake[kHandshakeBytes];
  EncodeHandshake(Handshake{kProtocolVersion, kHandshakeMayUseSharedMemory, 0},
                  handshake);
  REQUIRE(send(socket->get(), handshake, sizeof(handshake), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(sizeof(handshake)));
  return *std::move(socket);
}

// Sends the inline bytes of `frame` (the first `limit` of them at most) with
// `fds` attached to the first byte.
void SendFrame(int socket, const EncodedFrame& frame,
               const std::vector<int>& fds, size_t limit = ~size_t{0}) {
  std::string bytes;
  for (absl::Span<const char> span : frame.Spans()) {
    bytes.append(span.data(), span.size());
  }
  bytes.resize(std::min(bytes.size(), limit));
  PlainStream stream(socket);
  iovec piece{bytes.data(), bytes.size()};
  REQUIRE(stream.WriteWithDescriptors(&piece, 1, fds) ==
          static_cast<ssize_t>(bytes.size()));
}

// The error the task answers on `fd` before it closes the connection.
absl::Status ErrorBeforeClose(int fd) {
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
  for (Frame& frame : frames) {
    auto message = DecodeMessage(std::move(frame));
    if (message.ok() && std::holds_alternative<ErrorReply>(*message)) {
      return std::get<ErrorReply>(*message).status;
    }
  }
  return absl::OkStatus();
}

// Writes `value` at `offset` of the segment table entry `index` of `frame`.
template <class T>
void Patch(EncodedFrame& frame, size_t index, size_t offset, T value) {
  PutLittle(value, frame.head.data() + kFrameHeaderBytes +
                       kSegmentEntryBytes * index + offset);
}

TEST_CASE(
    "shared memory: big tensors of a queue and a variable pass through "
    "memfds with the same results as TCP") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  const TaskAddress address = cluster.address();
  auto shm = Connect(address, SharedMemoryUse::kLocal);
  auto tcp = Connect(address, SharedMemoryUse::kOff);
  REQUIRE(shm->shares_memory());
  CHECK(!tcp->shares_memory());
  const uint64_t q_shm = MakeQueue(*shm, "q");
  const uint64_t q_tcp = MakeQueue(*tcp, "q");

  // 4 MiB through the queue: shared memory both ways, then each way mixed.
  const Tensor big = Floats(int64_t{1} << 20, 1.5f);
  const Tensor got = RoundTrip(*shm, *shm, q_shm, q_shm, big);
  // The consumer got the very pages the producer filled.
  CHECK(got.shared_slice().region != nullptr);
  CHECK(shm->shared_bytes_sent() == big.byte_size());
  CHECK(shm->shared_bytes_received() == big.byte_size());
  CHECK(RoundTrip(*shm, *tcp, q_shm, q_tcp, Floats(int64_t{1} << 20, 2.0f))
            .shared_slice()
            .region == nullptr);
  RoundTrip(*tcp, *shm, q_tcp, q_shm, Floats(int64_t{1} << 20, 3.0f));
  CHECK(tcp->shared_bytes_sent() == 0);
  CHECK(tcp->shared_bytes_received() == 0);
  // Below the threshold a tensor goes inline.
  const uint64_t sent_before = shm->shared_bytes_sent();
  RoundTrip(*shm, *shm, q_shm, q_shm, Floats(1000, 4.0f));
  CHECK(shm->shared_bytes_sent() == sent_before);

  // A 16 MiB variable: assigned through shared memory, read both ways.
  const uint64_t v_shm = MakeVariable(*shm, "v", int64_t{4} << 20);
  const uint64_t v_tcp = MakeVariable(*tcp, "v", int64_t{4} << 20);
  const Tensor weights = Floats(int64_t{4} << 20, 0.25f);
  CallFor<OkReply>(*shm, AssignRequest{v_shm, weights, true});
  const Tensor read = CallFor<TensorReply>(*shm, ReadRequest{v_shm}).value;
  CHECK(read == weights);
  CHECK(read.shared_slice().region != nullptr);
  CHECK(CallFor<TensorReply>(*tcp, ReadRequest{v_tcp}).value == weights);
  const Tensor other = Floats(int64_t{4} << 20, 9.0f);
  CallFor<OkReply>(*tcp, AssignRequest{v_tcp, other, true});
  CHECK(CallFor<TensorReply>(*shm, ReadRequest{v_shm}).value == other);

  const TaskStatus status = StatusOf(*tcp);
  CHECK(status.shared_bytes_in == shm->shared_bytes_sent());
  CHECK(status.shared_bytes_out == shm->shared_bytes_received());
  CHECK(status.shared_bytes_in >= 3 * big.byte_size());
}

TEST_CASE(
    "shared memory: a task with it off, TLS and TCP clients move no byte "
    "through it") {
  SUBCASE("a task with --shared-memory off") {
    LocalCluster cluster({{"ps", 1}}, /*start=*/false);
    testing::Process task(
        {testing::TroupeBinary(), "task", "--cluster", cluster.spec_path(),
         "--job", "ps", "--task", "0", "--shared-memory", "off"},
        cluster.dir().path() + "/off.log");
    REQUIRE_MESSAGE(task.WaitForLog({"serving on"}), task.Log());
    const TaskAddress address = cluster.address();
    WireClientOptions force;
    force.shared_memory = SharedMemoryUse::kForce;
    auto forced = WireClient::Connect(address, kTimeout, force);
    CHECK(absl::IsUnavailable(forced.status()));
    CHECK(absl::StrContains(forced.status().message(),
                            "shared memory was required"));
    auto client = Connect(address, SharedMemoryUse::kLocal);
    CHECK(!client->shares_memory());
    const uint64_t q = MakeQueue(*client, "q");
    RoundTrip(*client, *client, q, q, Floats(int64_t{1} << 20, 1.0f));
    CHECK(client->shared_bytes_sent() == 0);
    CHECK(StatusOf(*client).shared_bytes_in == 0);
  }
  SUBCASE("TLS") {
    testing::Certificates certificates;
    REQUIRE_MESSAGE(certificates.ok(), certificates.failure());
    LocalCluster cluster({{"ps", 1}}, true, certificates.SpecTls());
    REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
    auto client = Connect(cluster.address(), SharedMemoryUse::kForce,
                          TlsClient(certificates, false));
    CHECK(!client->shares_memory());
    const uint64_t q = MakeQueue(*client, "q");
    RoundTrip(*client, *client, q, q, Floats(int64_t{1} << 20, 1.0f));
    CHECK(StatusOf(*client).shared_bytes_in == 0);
    CHECK(StatusOf(*client).shared_bytes_out == 0);
    // No Unix socket beside a TLS task.
    CHECK(!ConnectLocal(cluster.port()).ok());
  }
}

TEST_CASE(
    "shared memory: a TLS task and a TLS client that both allow it share "
    "memory, and either alone uses TCP with TLS") {
  TlsCluster tls;
  auto task = tls.StartTask({"--shared-memory-with-tls"});
  const testing::Certificates& certificates = tls.certificates;
  const TaskAddress address = tls.cluster.address();
  auto shm =
      Connect(address, SharedMemoryUse::kLocal, TlsClient(certificates, true));
  auto tcp =
      Connect(address, SharedMemoryUse::kLocal, TlsClient(certificates, false));
  CHECK(shm->shares_memory());
  CHECK(!tcp->shares_memory());

  // A 1 MiB variable: assigned through shared memory, read both ways, and
  // the other way round.
  const int64_t elements = int64_t{1} << 18;
  const uint64_t v_shm = MakeVariable(*shm, "v", elements);
  const uint64_t v_tcp = MakeVariable(*tcp, "v", elements);
  const Tensor weights = Floats(elements, 0.5f);
  CallFor<OkReply>(*shm, AssignRequest{v_shm, weights, true});
  CHECK(shm->shared_bytes_sent() == weights.byte_size());
  const Tensor read = CallFor<TensorReply>(*shm, ReadRequest{v_shm}).value;
  CHECK(read == weights);
  CHECK(read.shared_slice().region != nullptr);
  CHECK(shm->shared_bytes_received() == weights.byte_size());
  CHECK(CallFor<TensorReply>(*tcp, ReadRequest{v_tcp}).value == weights);
  const Tensor other = Floats(elements, 3.0f);
  CallFor<OkReply>(*tcp, AssignRequest{v_tcp, other, true});
  CHECK(CallFor<TensorReply>(*shm, ReadRequest{v_shm}).value == other);
  CHECK(tcp->shared_bytes_sent() == 0);
  CHECK(tcp->shared_bytes_received() == 0);
  const TaskStatus status = StatusOf(*tcp);
  CHECK(status.shared_bytes_in == shm->shared_bytes_sent());
  CHECK(status.shared_bytes_out == shm->shared_bytes_received());

  // Forced, the client that allows it gets the Unix socket, troupe ctl's
  // too; the task's TCP port still refuses a client without TLS.
  auto forced =
      Connect(address, SharedMemoryUse::kForce, TlsClient(certificates, true));
  CHECK(forced->shares_memory());
  MakeQueue(*forced, "q");
  const testing::CommandResult size =
      ForcedCtl(certificates, tls.cluster.target(), {"size", "q"});
  CHECK_MESSAGE(size.ok(), size.Describe());
  CHECK(size.out == "0\n");
  WireClientOptions plain;
  plain.shared_memory = SharedMemoryUse::kOff;
  auto refused = WireClient::Connect(address, kTimeout, plain);
  CHECK(absl::IsUnavailable(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "speaks TLS only"));
}

TEST_CASE(
    "shared memory: a TLS client that allows it uses TCP with TLS when the "
    "task does not, or when a process of another uid holds the Unix socket") {
  TlsCluster tls;
  auto task = tls.StartTask({});
  const testing::Certificates& certificates = tls.certificates;
  const TaskAddress address = tls.cluster.address();
  // The results over TCP with TLS, and the forced client's error.
  auto check_tcp = [&](const std::string& variable) {
    auto client = Connect(address, SharedMemoryUse::kLocal,
                          TlsClient(certificates, true));
    CHECK(!client->shares_memory());
    const int64_t elements = int64_t{1} << 18;
    const uint64_t v = MakeVariable(*client, variable, elements);
    const Tensor weights = Floats(elements, 2.0f);
    CallFor<OkReply>(*client, AssignRequest{v, weights, true});
    CHECK(CallFor<TensorReply>(*client, ReadRequest{v}).value == weights);
    CHECK(client->shared_bytes_sent() == 0);
    CHECK(client->shared_bytes_received() == 0);
    WireClientOptions force = TlsClient(certificates, true);
    force.shared_memory = SharedMemoryUse::kForce;
    auto forced = WireClient::Connect(address, kTimeout, force);
    CHECK(absl::IsUnavailable(forced.status()));
    CHECK(absl::StrContains(forced.status().message(),
                            "shared memory was required"));
    return forced.status();
  };
  // The task does not allow it: nothing listens on its Unix socket.
  CHECK(!check_tcp("v").ok());
  const testing::CommandResult size =
      ForcedCtl(certificates, tls.cluster.target(), {"size", "q"});
  CHECK(absl::StrContains(size.FirstErrLine(),
                          "UNAVAILABLE: Cannot connect to task at"));
  CHECK(absl::StrContains(size.FirstErrLine(), "shared memory was required"));

  if (geteuid() != 0) {
    MESSAGE("skipped a process of another uid on the Unix socket: not root");
    return;
  }
  // The task's Unix socket name, taken by a process of another uid.
  int ends[2];
  REQUIRE(pipe(ends) == 0);
  Fd ready(ends[0]);
  Fd ready_writer(ends[1]);
  const uint16_t port = address.port;
  Stranger squatter([&]() -> int {
    absl::StatusOr<Listener> listener = ListenLocal(port);
    const char byte = 1;
    if (!listener.ok() || write(ready_writer.get(), &byte, 1) != 1) return 2;
    for (;;) pause();
  });
  ready_writer.Reset();
  pollfd listening{ready.get(), POLLIN, 0};
  char byte = 0;
  REQUIRE(poll(&listening, 1, 20000) == 1);
  REQUIRE(read(ready.get(), &byte, 1) == 1);
  const absl::Status forced = check_tcp("w");
  CHECK(absl::StrContains(forced.message(),
                          absl::StrCat("the task's Unix socket belongs to uid ",
                                       Stranger::kUid, ", not 0")));
}

TEST_CASE(
    "shared memory: a TLS task that allows it closes a connection to its "
    "Unix socket from a process of another uid") {
  if (geteuid() != 0) {
    MESSAGE("skipped: only root can start a process of another uid");
    return;
  }
  TlsCluster tls;
  auto task = tls.StartTask({"--shared-memory-with-tls"});
  const uint16_t port = tls.cluster.port();
  char handshake[kHandshakeBytes];
  EncodeHandshake(Handshake{kProtocolVersion, kHandshakeMayUseSharedMemory, 0},
                  handshake);
  // 0: the task closed the connection without a byte; 1: it answered.
  Stranger stranger([&]() -> int {
    absl::StatusOr<Fd> socket = ConnectLocal(port);
    if (!socket.ok()) return 2;
    if (send(socket->get(), handshake, sizeof(handshake), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(sizeof(handshake))) {
      return errno == EPIPE || errno == ECONNRESET ? 0 : 3;
    }
    pollfd ready{socket->get(), POLLIN, 0};
    if (poll(&ready, 1, 20000) != 1) return 4;
    char byte = 0;
    const ssize_t got = recv(socket->get(), &byte, 1, 0);
    return got == 0 || (got < 0 && errno == ECONNRESET) ? 0 : 1;
  });
  CHECK(stranger.Wait() == 0);
  CHECK_MESSAGE(
      task->process().WaitForLog({absl::StrCat(
          "refused: its process runs as uid ", Stranger::kUid, ", not 0")}),
      task->Log());
  // The task serves its own user's clients on.
  auto client = Connect(tls.cluster.address(), SharedMemoryUse::kForce,
                        TlsClient(tls.certificates, true));
  CHECK(client->shares_memory());
  const uint64_t q = MakeQueue(*client, "q");
  RoundTrip(*client, *client, q, q, Floats(int64_t{1} << 18, 1.0f));
  CHECK(client->shared_bytes_sent() > 0);
}

TEST_CASE(
    "shared memory: a client killed with a region in flight leaves no "
    "descriptor or mapping in the task") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  const pid_t task = cluster.task()->process().pid();
  auto keeper = Connect(cluster.address(), SharedMemoryUse::kOff);
  const uint64_t q = MakeQueue(*keeper, "q");
  const size_t descriptors_before = OpenDescriptors(task);
  const size_t mappings_before = MemfdMappings(task);

  // The frame of an enqueue of 4 MiB in a memfd; the child sends its header,
  // table and half its body, then waits to be killed.
  auto frame = EncodeMessage(
      1, EnqueueRequest{q, {Floats(int64_t{1} << 20, 1.0f)}, -1}, {}, 0);
  REQUIRE(frame.ok());
  REQUIRE(frame->descriptors.size() == 1);
  Fd socket = RawLocalConnection(cluster.port());
  const size_t prefix = kFrameHeaderBytes + kSegmentEntryBytes;
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::string bytes;
    for (absl::Span<const char> span : frame->Spans()) {
      bytes.append(span.data(), span.size());
    }
    const int fd = frame->descriptors[0]->fd();
    iovec piece{bytes.data(), prefix + (bytes.size() - prefix) / 2};
    PlainStream(socket.get()).WriteWithDescriptors(&piece, 1, {&fd, 1});
    for (;;) pause();
  }
  socket.Reset();
  frame = absl::UnknownError("sent by the child");
  // The task holds the region while the frame is incomplete.
  CHECK(testing::WaitUntil(
      [&] { return MemfdMappings(task) > mappings_before; }));
  kill(child, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  // At most as many descriptors as before (see the hostile-handles case:
  // under ASan the first count may include some that close later).
  CHECK(testing::WaitUntil([&] {
    return OpenDescriptors(task) <= descriptors_before &&
           MemfdMappings(task) == mappings_before;
  }));
  CHECK(OpenDescriptors(task) <= descriptors_before);
  CHECK(MemfdMappings(task) == mappings_before);
  CHECK(CallFor<SizeReply>(*keeper, SizeRequest{q}).size == 0);
}

TEST_CASE(
    "shared memory: hostile handles, offsets and memfds get an error and "
    "the task keeps serving") {
  LocalCluster cluster;
  REQUIRE_MESSAGE(cluster.ready(), cluster.Describe());
  const TaskAddress address = cluster.address();
  auto keeper = Connect(address, SharedMemoryUse::kOff);
  const uint64_t q = MakeQueue(*keeper, "q");
  const Tensor value = Floats(1 << 16, 1.0f);
  const size_t bytes = value.byte_size();
  const int sealed = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
  auto enqueue = [&] {
    auto frame = EncodeMessage(1, EnqueueRequest{q, {value}, -1}, {}, 0);
    REQUIRE(frame.ok());
    return *std::move(frame);
  };
  // Sends `frame` with `fds` (closed after) on a new Unix connection and
  // returns the task's error.
  auto refused = [&](const EncodedFrame& frame, std::vector<int> fds) {
    Fd socket = RawLocalConnection(cluster.port());
    SendFrame(socket.get(), frame, fds);
    for (int fd : fds) close(fd);
    return ErrorBeforeClose(socket.get());
  };
  const pid_t task = cluster.task()->process().pid();
  const size_t descriptors_before = OpenDescriptors(task);

  SUBCASE("a handle past the descriptors sent") {
    EncodedFrame frame = enqueue();
    Patch<uint32_t>(frame, 0, 12, 2);
    absl::Status error = refused(frame, {Memfd(bytes, sealed)});
    CHECK(absl::IsInvalidArgument(error));
    CHECK(absl::StrContains(error.message(), "handle 2, but only 1"));
  }
  SUBCASE("no descriptor at all") {
    absl::Status error = refused(enqueue(), {});
    CHECK(absl::IsInvalidArgument(error));
  }
  SUBCASE("an offset beyond the memfd") {
    EncodedFrame frame = enqueue();
    Patch<uint64_t>(frame, 0, 16, 4096);
    absl::Status error = refused(frame, {Memfd(bytes, sealed)});
    CHECK(absl::IsInvalidArgument(error));
    CHECK(absl::StrContains(error.message(), "does not fit in its shared"));
  }
  SUBCASE("an offset that wraps around") {
    EncodedFrame frame = enqueue();
    Patch<uint64_t>(frame, 0, 16, ~uint64_t{0} - 8);
    CHECK(absl::IsInvalidArgument(refused(frame, {Memfd(bytes, sealed)})));
  }
  SUBCASE("a length the tensor does not match") {
    EncodedFrame frame = enqueue();
    Patch<uint64_t>(frame, 0, 0, bytes - 4);
    CHECK(absl::IsInvalidArgument(refused(frame, {Memfd(bytes, sealed)})));
  }
  SUBCASE("an unsealed memfd") {
    absl::Status error = refused(enqueue(), {Memfd(bytes, 0)});
    CHECK(absl::IsInvalidArgument(error));
    CHECK(absl::StrContains(error.message(), "not sealed"));
  }
  SUBCASE("a memfd that may still shrink") {
    absl::Status error =
        refused(enqueue(), {Memfd(bytes, F_SEAL_GROW | F_SEAL_WRITE)});
    CHECK(absl::IsInvalidArgument(error));
    CHECK(absl::StrContains(error.message(), "not sealed"));
  }
  SUBCASE("a descriptor that is no memfd") {
    int pipe_ends[2];
    REQUIRE(pipe(pipe_ends) == 0);
    close(pipe_ends[1]);
    absl::Status error = refused(enqueue(), {pipe_ends[0]});
    CHECK(absl::IsInvalidArgument(error));
    CHECK(absl::StrContains(error.message(), "not a memfd"));
  }
  SUBCASE("a segment in shared memory over TCP") {
    auto tcp = OpenConnection(address, kTimeout);
    REQUIRE(tcp.ok());
    char handshake[kHandshakeBytes];
    EncodeHandshake(Handshake{kProtocolVersion, 0, 0}, handshake);
    REQUIRE(send(tcp->get(), handshake, sizeof(handshake), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(sizeof(handshake)));
    SendFrame(tcp->get(), enqueue(), {});
    absl::Status error = ErrorBeforeClose(tcp->get());
    CHECK(absl::IsInvalidArgument(error));
    CHECK(absl::StrContains(error.message(), "carries none"));
  }
  SUBCASE("more descriptors than a frame may name") {
    Fd socket = RawLocalConnection(cluster.port());
    std::vector<int> fds;
    for (size_t i = 0; i <= kMaxDescriptorsPerFrame; ++i) {
      fds.push_back(Memfd(4096, sealed));
    }
    const char byte = 0;
    iovec piece{const_cast<char*>(&byte), 1};
    PlainStream(socket.get()).WriteWithDescriptors(&piece, 1, fds);
    for (int fd : fds) close(fd);
    CHECK(!ErrorBeforeClose(socket.get()).ok());
  }
  // Nothing was enqueued, nothing is held, and the task serves. Fewer
  // descriptors than before is fine: the first count may include some that
  // close later (under ASan and load, 11 before and 9 after were seen; a
  // Release task started by hand held the same descriptors right after
  // "serving on" and 2 s later).
  size_t descriptors_after = 0;
  CAPTURE(descriptors_before);
  CAPTURE(descriptors_after);
  CHECK(testing::WaitUntil([&] {
    descriptors_after = OpenDescriptors(task);
    return descriptors_after <= descriptors_before;
  }));
  CHECK(MemfdMappings(task) == 0);
  CHECK(CallFor<SizeReply>(*keeper, SizeRequest{q}).size == 0);
  auto fresh = Connect(address, SharedMemoryUse::kForce);
  const uint64_t fresh_q = MakeQueue(*fresh, "q");
  RoundTrip(*fresh, *fresh, fresh_q, fresh_q, Floats(int64_t{1} << 20, 5.0f));
}

}  // namespace
}  // namespace troupe
