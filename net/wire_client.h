// WireClient: a client's connection to one task over Troupe's wire. A call
// blocks its thread: the thread writes its request frame itself, then waits
// for the reply. Whichever waiting thread finds nobody reading reads the
// socket for all of them, so a lone caller gets its reply straight from
// recv, with no other thread in between; a caller whose reply another
// thread reads polls for it briefly before it sleeps. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "caf/fwd.hpp"

#include "config/cluster_spec.h"
#include "net/fd.h"
#include "net/frame_reader.h"
#include "net/frame_writer.h"
#include "net/shared_memory_use.h"
#include "net/spin_wait.h"
#include "net/tls_stream.h"
#include "serialization/wire_messages.h"

namespace troupe {

struct WireClientOptions {
  WireLimits limits;
  // With TLS, only if `shared_memory_with_tls` (below).
  SharedMemoryUse shared_memory = SharedMemoryUse::kLocal;
  // Over the Unix socket, tensor segments of at least this many bytes go as
  // sealed memfds; smaller ones go inline.
  uint64_t shared_memory_min_bytes = uint64_t{64} << 10;
  // With a context, the connection speaks TLS after the handshakes: the
  // task must present a certificate that the context's CA signed.
  TlsContext tls;
  // With TLS, still try the task's Unix socket as `shared_memory` says. No
  // TLS is spoken there: the task is trusted when its process runs as this
  // process's effective uid (PeerUid), and a socket held by another uid
  // counts as one that does not answer.
  bool shared_memory_with_tls = false;
  // A task that sends nothing, not even a heartbeat, for this long while a
  // call waits is lost (NodeOptions::connection_timeout).
  absl::Duration silence_timeout = absl::Seconds(4);
  // With a system, the reader thread of asynchronous calls is an execution
  // unit of it (actors/inline_unit.h), which it hands to their callbacks: the
  // actors that the replies wake run on that thread right after the read,
  // instead of waking one of the system's workers each time.
  caf::actor_system* system = nullptr;
};

class WireClient {
 public:
  // Connects to the task at `address` and exchanges handshakes, within
  // `timeout`. UNAVAILABLE naming the address if the task cannot be reached
  // or does not answer; the handshake's error (FAILED_PRECONDITION naming
  // both versions, INVALID_ARGUMENT for a peer that is not a Troupe task).
  static absl::StatusOr<std::unique_ptr<WireClient>> Connect(
      const TaskAddress& address, absl::Duration timeout,
      WireClientOptions options = {});
  ~WireClient();
  WireClient(const WireClient&) = delete;
  WireClient& operator=(const WireClient&) = delete;

  // Sends `request` and waits for its reply until `deadline`: the reply, the
  // error an ErrorReply carries, DEADLINE_EXCEEDED, or UNAVAILABLE once the
  // connection is lost (then every later call fails so at once). While the
  // calling thread has a ScopedCallInterrupt (net/call_interrupt.h), its
  // check runs every period of it; once it fires, the call fails CANCELLED
  // and closes the connection, which withdraws the request from the task (a
  // dequeue would otherwise still take an element): the other calls waiting
  // on it fail UNAVAILABLE and the next call connects again. A reply that
  // arrives after its call gave up is dropped.
  absl::StatusOr<Message> Call(const Message& request, absl::Time deadline);

  // What an asynchronous call hands its reply (or error) to, with the
  // execution unit to enqueue it with: the reader thread's when it is the
  // one calling and the options name a system, else null.
  using Done =
      std::function<void(absl::StatusOr<Message>, caf::execution_unit*)>;
  // Sends `request` and calls `done` with its reply or error, on the thread
  // that reads it and with this client's lock held: `done` must only hand
  // the reply over (send it to an actor, say), never call this client. The
  // first call starts the client's reader thread; from then on it reads
  // whenever calls wait. A task silent past the silence timeout fails every
  // call UNAVAILABLE, as for Call. An actor that the reader thread runs may
  // drop the last reference to this client: the thread then leaves on its
  // own.
  //
  // With `more_follow`, the request's frame waits, unsent, for the next
  // call or Flush(), which sends every waiting frame in one write: the
  // caller promises one of them soon (a handle's proxy with more requests
  // in its mailbox). At most kMaxHeldFrames frames or kMaxHeldBytes wait;
  // past them the request is sent at once.
  void CallAsync(const Message& request, Done done, bool more_follow = false);
  // Sends the frames that wait (CallAsync's `more_follow`).
  void Flush();

  static constexpr size_t kMaxHeldFrames = 64;
  static constexpr uint64_t kMaxHeldBytes = uint64_t{256} << 10;

  // Calls `lost` with the reason once the connection is lost (at once if it
  // is), with this client's lock held: `lost` must only hand the news over.
  // Starts the reader thread, which watches an idle connection for its end.
  void WhenLost(std::function<void(const absl::Status&)> lost);

  // Fails every waiting call with `why` (not OK), and every later one, and
  // closes the connection.
  void Close(const absl::Status& why);

  // The task's incarnation, from its handshake.
  uint64_t incarnation() const { return incarnation_; }
  // Whether the connection passes segments through shared memory, and the
  // bytes of segments it sent and received that way.
  bool shares_memory() const { return shared_min_bytes_ != kNoSharedMemory; }
  uint64_t shared_bytes_sent() const { return shared_bytes_sent_.load(); }
  uint64_t shared_bytes_received() const {
    return shared_bytes_received_.load();
  }
  // OK while the connection works; why it was lost after.
  absl::Status health() const;
  // health(), after reading what the socket holds without waiting (the end
  // of the stream, say) when no call is reading: so that a connection lost
  // while idle is known before a call is sent on it. One poll() when the
  // socket has nothing.
  absl::Status Probe();

 private:
  // A call waiting for its reply: a blocking call's result, or an
  // asynchronous call's callback (then the client owns the slot).
  struct Slot {
    std::optional<absl::StatusOr<Message>> result;
    Done done;
    // Set with `result`, for a blocking call that polls for it.
    std::atomic<bool> answered{false};
  };

  WireClient(Fd socket, std::unique_ptr<ByteStream> stream, std::string address,
             uint64_t incarnation, FrameReader reader,
             WireClientOptions options);
  // `request`'s frame, its segments in shared memory if the connection
  // shares memory.
  absl::StatusOr<EncodedFrame> Encode(uint64_t id, const Message& request);

  // Sends the frames that wait, and `frame` after them.
  absl::Status Send(std::optional<EncodedFrame> frame);
  // Waits, for up to the silence timeout, until the socket takes bytes
  // again; on this client's reader thread, reading the replies that come
  // meanwhile when no other thread does.
  absl::Status AwaitWritable();
  // Send, and on failure breaks the connection (BreakLocked).
  void SendOrBreak(std::optional<EncodedFrame> frame);
  // Gives up the call waiting as `id` after its interrupt check fired, and
  // closes the connection (Call). REQUIRES: mutex_ held.
  absl::Status AbandonLocked(uint64_t id);
  // What an interrupted call fails with: CANCELLED.
  absl::Status InterruptedError() const;
  // Waits for bytes until `deadline` or `silent_until`, reads them and hands
  // every complete reply to its slot. An error means the connection is
  // lost, as when nothing arrived by `silent_until`.
  absl::Status ReadOnce(absl::Time deadline, absl::Time silent_until);
  // ReadOnce as the connection's reader, with `lock` released meanwhile;
  // breaks the connection on an error, and wakes the waiters. REQUIRES:
  // `lock` holds mutex_, and no thread reads.
  void ReadLocked(std::unique_lock<std::mutex>& lock, absl::Time deadline,
                  absl::Time silent_until);
  // Fails every waiting call with `why`, and every later one. REQUIRES:
  // mutex_ held.
  void BreakLocked(const absl::Status& why);
  // Gives `slot` its reply: a blocking call's result, or an asynchronous
  // call's callback (and deletes the slot). REQUIRES: mutex_ held.
  static void DeliverLocked(Slot* slot, absl::StatusOr<Message> reply);
  // The reader thread of asynchronous calls and of WhenLost.
  void ReadForAll();
  // REQUIRES: mutex_ held.
  void StartReaderLocked();

  Fd socket_;
  // Reads and writes of a TLS stream must not overlap: each holds the
  // stream's mutex, never while it waits for the socket.
  std::mutex stream_mutex_;
  std::unique_ptr<ByteStream> stream_;
  const std::string address_;
  const uint64_t incarnation_;
  const WireClientOptions options_;
  // options_.shared_memory_min_bytes when both handshakes allowed shared
  // memory, else kNoSharedMemory.
  const uint64_t shared_min_bytes_;
  std::atomic<uint64_t> next_request_id_{1};
  std::atomic<uint64_t> shared_bytes_sent_{0};
  std::atomic<uint64_t> shared_bytes_received_{0};

  // The writing thread's, one frame at a time.
  std::mutex write_mutex_;
  FrameWriter writer_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::unordered_map<uint64_t, Slot*> waiting_;
  bool reading_ = false;
  absl::Status broken_;
  // The reading thread's (whoever set reading_).
  FrameReader reader_;
  SpinPolicy reply_spin_;
  // When the task last sent bytes, or when a call began to wait for it.
  absl::Time last_heard_;
  bool stopping_ = false;
  std::vector<std::function<void(const absl::Status&)>> when_lost_;
  std::thread reader_thread_;  // started by CallAsync or WhenLost
};

}  // namespace troupe
