#include "state/queue_logs.h"

#include <filesystem>
#include <fstream>
#include <system_error>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

#include "actors/queue_log_writer.h"
#include "formats/queue_log.h"

namespace troupe {
namespace {

absl::StatusOr<std::string> ReadWholeFile(const std::string& path,
                                          uint64_t max_bytes) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("Cannot read ", path, ": ", error.message()));
  }
  if (size > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "Durable queue log ", path, " has ", size,
        " bytes, more than the task's memory limit of ", max_bytes, " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(static_cast<size_t>(size), '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    return absl::InternalError(absl::StrCat("Cannot read ", path));
  }
  return bytes;
}

}  // namespace

absl::StatusOr<TaskSnapshot> ReadQueueLogs(const DataDir& data_dir,
                                           const std::string& device,
                                           uint64_t max_bytes,
                                           const LogSink& log) {
  TaskSnapshot snapshot;
  snapshot.device = device;
  const std::string directory =
      absl::StrCat(data_dir.path(), "/", QueueLogDirectory(device));
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) return snapshot;
  for (const auto& entry :
       std::filesystem::directory_iterator(directory, error)) {
    const std::string path = entry.path().string();
    // Left-over temporary files of a rewrite cut short are not logs.
    if (!absl::EndsWith(path, ".log")) continue;
    absl::StatusOr<std::string> bytes = ReadWholeFile(path, max_bytes);
    if (!bytes.ok()) return bytes.status();
    absl::StatusOr<ReplayedQueue> replayed =
        ReplayQueueLog(*bytes, path, max_bytes);
    if (!replayed.ok()) return replayed.status();
    if (replayed->torn_tail && log) {
      log(LogLevel::kWarning,
          absl::StrCat("durable queue '", replayed->name, "': the last ",
                       bytes->size() - replayed->valid_bytes, " bytes of ",
                       path,
                       " were a record cut short by a crash (never answered); "
                       "left out"));
    }
    SavedQueue queue;
    queue.container = std::move(replayed->container);
    queue.name = std::move(replayed->name);
    queue.spec = std::move(replayed->spec);
    queue.closed = replayed->closed;
    queue.elements = std::move(replayed->elements);
    snapshot.queues.push_back(std::move(queue));
  }
  if (error) {
    return absl::InternalError(
        absl::StrCat("Cannot list ", directory, ": ", error.message()));
  }
  return snapshot;
}

}  // namespace troupe
