#include "actors/queue_log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/resource_names.h"
#include "base/atomic_file.h"
#include "openssl/sha.h"
#include "serialization/status_error.h"

namespace troupe {
namespace {

// A log's file is allocated ahead of its records, 64 KiB to 8 MiB at a
// time (as much as the log holds, within those bounds): a record written into
// allocated space leaves the file's size as it is, so its sync writes the data
// and no new size (a small record: about 110 against 170 us here;
// BENCHMARKS.md, scenario 9). Replay reads the zeros after the records as free
// space.
constexpr uint64_t kMinAllocateBytes = uint64_t{64} << 10;
constexpr uint64_t kMaxAllocateBytes = uint64_t{8} << 20;

struct Log {
  int fd = -1;
  std::string path;  // absolute
  Durability durability = Durability::kEverySec;
  // The records' bytes, and the file's (records, then allocated zeros).
  uint64_t bytes = 0;
  uint64_t allocated = 0;
  // Written to since the last sync.
  bool dirty = false;
  // `always` appends written and waiting for the next sync.
  std::vector<caf::typed_response_promise<uint64_t>> unsynced;
};

struct WriterState {
  // Set when the writer starts (DataDir has no empty value).
  std::optional<DataDir> data_dir;
  std::string directory;  // relative to data_dir
  std::map<uint64_t, Log> logs;
  bool sync_scheduled = false;
  bool ticking = false;
  static inline const char* name = "troupe.queue_log_writer";
};

using WriterPointer = QueueLogWriterActor::stateful_pointer<WriterState>;

std::string Encode(const std::vector<QueueLogRecord>& records) {
  std::string bytes;
  for (const QueueLogRecord& record : records)
    AppendQueueLogRecord(record, bytes);
  return bytes;
}

void CloseLog(Log& log) {
  if (log.fd >= 0) close(log.fd);
  log.fd = -1;
}

// Syncs `log` and answers the appends that waited for it.
void Sync(Log& log) {
  if (!log.dirty) return;
  log.dirty = false;
  const bool synced = fdatasync(log.fd) == 0;
  const int error = errno;
  for (auto& promise : log.unsynced) {
    if (synced) {
      promise.deliver(log.bytes);
    } else {
      promise.deliver(ToError(FileError("sync", log.path, error)));
    }
  }
  log.unsynced.clear();
}

// Makes room for `size` more bytes of records, allocating ahead. Without
// room (a full disk, a file system that cannot allocate) the write extends
// the file itself, or fails.
void Allocate(Log& log, uint64_t size) {
  if (log.bytes + size <= log.allocated) return;
  const uint64_t ahead =
      std::clamp(log.bytes, kMinAllocateBytes, kMaxAllocateBytes);
  const uint64_t length = std::max(size, ahead);
  if (posix_fallocate(log.fd, static_cast<off_t>(log.bytes),
                      static_cast<off_t>(length)) == 0) {
    log.allocated = log.bytes + length;
  }
}

// Writes all of `bytes` after the records of `log`; on failure cuts the
// file back to its last whole record.
absl::Status Append(Log& log, absl::string_view bytes) {
  Allocate(log, bytes.size());
  if (!WriteAllAt(log.fd, bytes, log.bytes)) {
    const int error = errno;
    if (ftruncate(log.fd, static_cast<off_t>(log.bytes)) != 0) {
      // The log now ends in a torn record, which a replay leaves out; no
      // later append may follow it.
      CloseLog(log);
    }
    log.allocated = log.bytes;
    return FileError("write", log.path, error);
  }
  log.bytes += bytes.size();
  log.dirty = true;
  return absl::OkStatus();
}

caf::result<uint64_t> Rewrite(WriterPointer self, uint64_t id,
                              const std::string& file, Durability durability,
                              const std::vector<QueueLogRecord>& records) {
  WriterState& state = self->state;
  const std::string relative = absl::StrCat(state.directory, "/", file);
  if (absl::Status made = state.data_dir->MakeParents(relative); !made.ok())
    return ToError(made);
  absl::StatusOr<std::string> path = state.data_dir->ForWriting(relative);
  if (!path.ok()) return ToError(path.status());
  const std::string bytes = Encode(records);
  absl::StatusOr<uint64_t> written = WriteFileAtomically(*path, {bytes});
  if (!written.ok()) return ToError(written.status());
  Log& log = state.logs[id];
  // Appends that waited on the old file are in the new one.
  Sync(log);
  CloseLog(log);
  log.fd = open(path->c_str(), O_WRONLY | O_CLOEXEC);
  if (log.fd < 0) {
    const int error = errno;
    state.logs.erase(id);
    return ToError(FileError("open", *path, error));
  }
  log.path = *path;
  log.durability = durability;
  log.bytes = *written;
  log.allocated = *written;
  if (durability == Durability::kEverySec && !state.ticking) {
    state.ticking = true;
    self->delayed_send(self, std::chrono::seconds(1), sync_tick_atom::value);
  }
  return log.bytes;
}

caf::result<uint64_t> AppendRecords(
    WriterPointer self, uint64_t id,
    const std::vector<QueueLogRecord>& records) {
  WriterState& state = self->state;
  auto found = state.logs.find(id);
  if (found == state.logs.end() || found->second.fd < 0) {
    return ToError(absl::FailedPreconditionError(
        absl::StrCat("No log is open for queue actor ", id)));
  }
  Log& log = found->second;
  if (absl::Status appended = Append(log, Encode(records)); !appended.ok())
    return ToError(appended);
  if (log.durability != Durability::kAlways) return log.bytes;
  auto promise = self->make_response_promise<uint64_t>();
  log.unsynced.push_back(promise);
  // Behind the appends already in the mailbox, so that one sync serves all.
  if (!state.sync_scheduled) {
    state.sync_scheduled = true;
    self->send(self, sync_atom::value);
  }
  return promise;
}

QueueLogWriterActor::behavior_type WriterBehavior(WriterPointer self,
                                                  DataDir data_dir,
                                                  std::string device) {
  self->state.data_dir = std::move(data_dir);
  self->state.directory = QueueLogDirectory(device);
  self->set_exit_handler([self](caf::exit_msg& exit) {
    for (auto& [id, log] : self->state.logs) {
      Sync(log);
      CloseLog(log);
    }
    self->quit(exit.reason);
  });
  return {
      [self](rewrite_atom, uint64_t id, const std::string& file,
             Durability durability,
             const std::vector<QueueLogRecord>& records) {
        return Rewrite(self, id, file, durability, records);
      },
      [self](append_atom, uint64_t id,
             const std::vector<QueueLogRecord>& records) {
        return AppendRecords(self, id, records);
      },
      [self](remove_atom, uint64_t id) {
        auto found = self->state.logs.find(id);
        if (found == self->state.logs.end()) return;
        CloseLog(found->second);
        // A reset queue's log goes; should the unlink not reach the disk
        // before a crash, the queue comes back as it was before the reset.
        static_cast<void>(RemoveFile(found->second.path));
        self->state.logs.erase(found);
      },
      [self](sync_atom) {
        self->state.sync_scheduled = false;
        for (auto& [id, log] : self->state.logs) {
          if (log.durability == Durability::kAlways) Sync(log);
        }
      },
      [self](sync_tick_atom) {
        bool everysec = false;
        for (auto& [id, log] : self->state.logs) {
          if (log.durability != Durability::kEverySec) continue;
          everysec = true;
          Sync(log);
        }
        self->state.ticking = everysec;
        if (everysec)
          self->delayed_send(self, std::chrono::seconds(1),
                             sync_tick_atom::value);
      },
  };
}

}  // namespace

std::string QueueLogDirectory(const std::string& device) {
  return absl::StrCat("durable-queues/", DeviceSuffix(device));
}

std::string QueueLogFileName(const std::string& container,
                             const std::string& name) {
  const std::string key = absl::StrCat(container, std::string(1, '\0'), name);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(),
         digest);
  return absl::StrCat(absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(digest), 16)),
                      ".log");
}

QueueLogWriterActor SpawnQueueLogWriter(caf::actor_system& system,
                                        DataDir data_dir, std::string device) {
  return system.spawn<caf::detached>(WriterBehavior, std::move(data_dir),
                                     std::move(device));
}

}  // namespace troupe
