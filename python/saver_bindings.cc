// troupe.train.Saver and troupe.train.latest_checkpoint: the C++ Saver
// (cluster/saver.h) with TensorFlow's names, checkpoints under each task's
// data directory.
#include <cstdint>
#include <memory>
#include <optional>
#include <pybind11/stl.h>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "cluster/saver.h"
#include "python/bindings.h"
#include "python/blocking_call.h"
#include "python/session_arg.h"
#include "python/timeout.h"

namespace py = pybind11;

namespace troupe::python {

namespace {

py::list CheckpointsToPython(const std::vector<CheckpointInfo>& found) {
  py::list result;
  for (const CheckpointInfo& info : found) {
    py::dict checkpoint;
    checkpoint["prefix"] = info.prefix;
    checkpoint["time"] = static_cast<double>(info.time_unix_ms) / 1000.0;
    checkpoint["tensors"] = info.tensors;
    checkpoint["bytes"] = info.bytes;
    checkpoint["devices"] = info.devices;
    checkpoint["latest"] = info.latest;
    result.append(checkpoint);
  }
  return result;
}

}  // namespace

void BindSaver(py::module_& module) {
  // keep_alive: the session lives as long as the saver.
  py::class_<Saver>(
      module, "Saver",
      "TensorFlow's tf.train.Saver over a session: checkpoints of the "
      "variables (and queues, with include_queues) of `containers` (default: "
      "every container), each task writing its shard under its --data-dir. "
      "`devices` names the tasks that save a shard (default: the target); "
      "max_to_keep=0 keeps every checkpoint.")
      .def(py::init([](py::handle session,
                       std::optional<std::vector<std::string>> containers,
                       bool include_queues, int32_t max_to_keep,
                       std::optional<std::vector<std::string>> devices) {
             if (max_to_keep < 0) {
               throw py::value_error("max_to_keep must be >= 0");
             }
             SaverOptions options;
             options.containers =
                 containers.value_or(std::vector<std::string>{});
             options.include_queues = include_queues;
             options.max_to_keep = max_to_keep;
             options.devices = devices.value_or(std::vector<std::string>{});
             return std::make_unique<Saver>(SessionFromPython(session),
                                            std::move(options));
           }),
           py::keep_alive<1, 2>(), py::arg("session"), py::kw_only(),
           py::arg("containers") = py::none(),
           py::arg("include_queues") = false, py::arg("max_to_keep") = 5,
           py::arg("devices") = py::none())
      .def(
          "save",
          [](Saver& saver, const std::string& save_path,
             std::optional<int64_t> global_step,
             std::optional<double> timeout) {
            const std::string prefix =
                global_step ? absl::StrCat(save_path, "-", *global_step)
                            : save_path;
            absl::Duration wait = TimeoutFromSeconds(timeout);
            return CallWithoutGil([&] { return saver.save(prefix, wait); })
                .prefix;
          },
          py::arg("save_path"), py::arg("global_step") = py::none(),
          py::kw_only(), py::arg("timeout") = py::none(),
          "Writes checkpoint `save_path` (\"-<global_step>\" appended when "
          "given), relative to each task's data directory, and returns its "
          "prefix, which restore takes.")
      .def(
          "restore",
          [](Saver& saver, const std::string& save_path,
             std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            return CallWithoutGil(
                [&] { return saver.restore(save_path, wait); });
          },
          py::arg("save_path"), py::kw_only(), py::arg("timeout") = py::none(),
          "Restores checkpoint `save_path` on every task that holds a shard "
          "of it; returns the number of tensors restored.")
      .def(
          "checkpoints",
          [](Saver& saver, const std::string& checkpoint_dir,
             std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            return CheckpointsToPython(CallWithoutGil(
                [&] { return saver.checkpoints(checkpoint_dir, wait); }));
          },
          py::arg("checkpoint_dir"), py::kw_only(),
          py::arg("timeout") = py::none(),
          "The checkpoints of `checkpoint_dir` on the target, newest first, "
          "as dicts (prefix, time in seconds since the epoch, tensors, "
          "bytes, devices, latest).")
      .def(
          "latest_checkpoint",
          [](Saver& saver, const std::string& checkpoint_dir,
             std::optional<double> timeout) {
            absl::Duration wait = TimeoutFromSeconds(timeout);
            // TensorFlow's: None when the directory has no checkpoint.
            return CallWithoutGil(
                [&]() -> absl::StatusOr<std::optional<std::string>> {
                  absl::StatusOr<std::string> latest =
                      saver.latest_checkpoint(checkpoint_dir, wait);
                  if (absl::IsNotFound(latest.status())) {
                    return std::optional<std::string>();
                  }
                  if (!latest.ok()) return latest.status();
                  return std::optional<std::string>(*std::move(latest));
                });
          },
          py::arg("checkpoint_dir"), py::kw_only(),
          py::arg("timeout") = py::none(),
          "The prefix of the newest checkpoint of `checkpoint_dir`, or None.");
}

}  // namespace troupe::python
