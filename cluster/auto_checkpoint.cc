#include "cluster/auto_checkpoint.h"

#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/scoped_actor.hpp"

#include "serialization/status_error.h"

namespace troupe {
namespace {

using tick_atom = caf::atom_constant<caf::atom("ckpt_tick")>;

std::string AutoPrefix(const AutoCheckpointOptions& options) {
  std::string dir = options.dir;
  while (!dir.empty() && dir.back() == '/') dir.pop_back();
  return absl::StrCat(dir.empty() ? "" : dir + "/", "auto-",
                      absl::ToUnixMillis(absl::Now()));
}

// Blocks until `task` answers `args...` with Out..., or fails.
template <class... Out, class... Args>
absl::StatusOr<std::tuple<Out...>> Ask(caf::actor_system& system,
                                       const TaskActor& task, Args... args) {
  caf::scoped_actor self{system};
  absl::StatusOr<std::tuple<Out...>> result = absl::UnknownError("no answer");
  self->request(task, caf::infinite, std::move(args)...)
      .receive(
          [&](Out&... out) { result = std::make_tuple(std::move(out)...); },
          [&](caf::error& error) { result = ToStatus(error); });
  return result;
}

}  // namespace

absl::StatusOr<CheckpointInfo> RestoreLatest(
    caf::actor_system& system, const TaskActor& task,
    const AutoCheckpointOptions& options) {
  auto listed = Ask<std::vector<CheckpointInfo>>(
      system, task, checkpoints_atom::value, std::string(), options.dir);
  if (!listed.ok()) return listed.status();
  const std::vector<CheckpointInfo>& infos = std::get<0>(*listed);
  if (infos.empty()) return CheckpointInfo{};
  auto restored = Ask<int64_t>(system, task, restore_atom::value, std::string(),
                               infos.front().prefix);
  if (!restored.ok()) return restored.status();
  return infos.front();
}

absl::StatusOr<CheckpointInfo> SaveNow(caf::actor_system& system,
                                       const TaskActor& task,
                                       const AutoCheckpointOptions& options) {
  CheckpointInfo info;
  info.prefix = AutoPrefix(options);
  info.time_unix_ms = absl::ToUnixMillis(absl::Now());
  info.devices = {options.device};
  auto written = Ask<std::string, int64_t, int64_t>(
      system, task, save_atom::value, std::string(), info.prefix,
      std::vector<std::string>(), /*include_queues=*/true);
  if (!written.ok()) return written.status();
  info.tensors = std::get<1>(*written);
  info.bytes = std::get<2>(*written);
  auto committed =
      Ask<std::string>(system, task, commit_atom::value, std::string(), info,
                       options.max_to_keep, /*write_index=*/true);
  if (!committed.ok()) return committed.status();
  info.latest = true;
  return info;
}

caf::actor SpawnAutoCheckpointer(caf::actor_system& system, TaskActor task,
                                 AutoCheckpointOptions options, LogSink log) {
  return system.spawn([task, options, log](caf::event_based_actor* self) {
    const auto every = absl::ToChronoNanoseconds(options.every);
    self->delayed_send(self, every, tick_atom::value);
    auto failed = [log, options](const caf::error& error) {
      if (log) {
        log(LogLevel::kError,
            absl::StrCat("checkpoint to ", options.dir,
                         " failed: ", ToStatus(error).ToString()));
      }
    };
    return caf::behavior{[=](tick_atom) {
      CheckpointInfo info;
      info.prefix = AutoPrefix(options);
      info.time_unix_ms = absl::ToUnixMillis(absl::Now());
      info.devices = {options.device};
      self->request(task, caf::infinite, save_atom::value, std::string(),
                    info.prefix, std::vector<std::string>(), true)
          .then(
              [=](std::string&, int64_t tensors, int64_t bytes) mutable {
                info.tensors = tensors;
                info.bytes = bytes;
                self->request(task, caf::infinite, commit_atom::value,
                              std::string(), info, options.max_to_keep, true)
                    .then(
                        [=](std::string&) {
                          self->delayed_send(self, every, tick_atom::value);
                        },
                        [=](caf::error& error) {
                          failed(error);
                          self->delayed_send(self, every, tick_atom::value);
                        });
              },
              [=](caf::error& error) {
                failed(error);
                self->delayed_send(self, every, tick_atom::value);
              });
    }};
  });
}

}  // namespace troupe
