#include "actors/queue_log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "caf/actor_system.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "actors/inline_unit.h"
#include "actors/resource_names.h"
#include "base/atomic_file.h"
#include "openssl/sha.h"
#include "serialization/status_error.h"

namespace troupe {
namespace {

struct Log {
  int fd = -1;
  std::string path;  // absolute
  // Syncs asked for and not yet run.
  std::vector<caf::typed_response_promise<caf::ok_atom>> unsynced;
};

struct WriterState {
  // Set when the writer starts (DataDir has no empty value).
  std::optional<DataDir> data_dir;
  std::string directory;  // relative to data_dir
  std::map<uint64_t, Log> logs;
  bool sync_scheduled = false;
  static inline const char* name = "troupe.queue_log_writer";
};

using WriterPointer = QueueLogWriterActor::stateful_pointer<WriterState>;

void CloseLog(Log& log) {
  if (log.fd >= 0) close(log.fd);
  log.fd = -1;
}

// Syncs `log` and answers the syncs asked for.
void Sync(Log& log) {
  const bool synced = fdatasync(log.fd) == 0;
  const int error = errno;
  for (auto& promise : log.unsynced) {
    if (synced) {
      promise.deliver(caf::ok_atom::value);
    } else {
      promise.deliver(ToError(FileError("sync", log.path, error)));
    }
  }
  log.unsynced.clear();
}

caf::result<uint64_t, std::string> Rewrite(
    WriterPointer self, uint64_t id, const std::string& file,
    const std::vector<QueueLogRecord>& records) {
  WriterState& state = self->state;
  const std::string relative = absl::StrCat(state.directory, "/", file);
  if (absl::Status made = state.data_dir->MakeParents(relative); !made.ok())
    return ToError(made);
  absl::StatusOr<std::string> path = state.data_dir->ForWriting(relative);
  if (!path.ok()) return ToError(path.status());
  const std::string bytes = EncodeQueueLogRecords(records);
  absl::StatusOr<uint64_t> written = WriteFileAtomically(*path, {bytes});
  if (!written.ok()) return ToError(written.status());
  Log& log = state.logs[id];
  // Syncs asked for before are answered before this rewrite, in order.
  if (!log.unsynced.empty()) Sync(log);
  CloseLog(log);
  log.fd = open(path->c_str(), O_WRONLY | O_CLOEXEC);
  if (log.fd < 0) {
    const int error = errno;
    state.logs.erase(id);
    return ToError(FileError("open", *path, error));
  }
  log.path = *path;
  return caf::make_result(*written, *path);
}

caf::result<caf::ok_atom> AskSync(WriterPointer self, uint64_t id) {
  WriterState& state = self->state;
  auto found = state.logs.find(id);
  if (found == state.logs.end()) {
    return ToError(absl::FailedPreconditionError(
        absl::StrCat("No log is open for queue actor ", id)));
  }
  auto promise = self->make_response_promise<caf::ok_atom>();
  found->second.unsynced.push_back(promise);
  // Behind the requests already in the mailbox, so that one sync serves all.
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
             const std::vector<QueueLogRecord>& records) {
        return Rewrite(self, id, file, records);
      },
      [self](sync_atom, uint64_t id) { return AskSync(self, id); },
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
        // The queues that the syncs' answers wake run on this thread right
        // after (answering their clients, writing their next batch), rather
        // than waiting for a CAF worker to wake.
        InlineUnit unit(self->system());
        caf::execution_unit* const own = self->context();
        self->context(&unit);
        for (auto& [id, log] : self->state.logs) {
          if (!log.unsynced.empty()) Sync(log);
        }
        self->context(own);
        unit.RunJobs();
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
