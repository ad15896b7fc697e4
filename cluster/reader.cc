#include "cluster/reader.h"

#include <tuple>

#include "base/status_macros.h"
#include "cluster/resource_connection.h"
#include "cluster/rpc.h"

namespace troupe {

namespace {

ReaderSpec SpecOf(std::string type, const ReaderArgs& args) {
  ReaderSpec spec;
  spec.type = std::move(type);
  spec.skip_header_lines = args.skip_header_lines;
  spec.record_bytes = args.record_bytes;
  spec.header_bytes = args.header_bytes;
  spec.footer_bytes = args.footer_bytes;
  spec.hop_bytes = args.hop_bytes;
  spec.compression = args.compression;
  spec.skip_corrupt = args.skip_corrupt;
  return spec;
}

}  // namespace

ReaderBase::ReaderBase(Session& session, ReaderSpec spec,
                       std::string shared_name, std::string device,
                       std::string container, bool create_if_missing)
    : session_(session),
      spec_(std::move(spec)),
      shared_name_(std::move(shared_name)),
      device_(std::move(device)),
      container_(std::move(container)),
      create_if_missing_(create_if_missing) {}

ReaderBase::ReaderBase(Session& session, std::string type, ReaderArgs args)
    : ReaderBase(session, SpecOf(std::move(type), args),
                 std::move(args.shared_name), std::move(args.device),
                 std::move(args.container), true) {}

absl::StatusOr<std::unique_ptr<ReaderBase>> ReaderBase::Open(
    Session& session, std::string shared_name, std::string device,
    std::string container) {
  std::unique_ptr<ReaderBase> reader(
      new ReaderBase(session, ReaderSpec{}, std::move(shared_name),
                     std::move(device), std::move(container), false));
  if (auto actor = reader->handle(); !actor.ok()) return actor.status();
  return reader;
}

absl::StatusOr<std::unique_ptr<ReaderBase>> ReaderBase::Create(
    Session& session, ReaderSpec spec, std::string shared_name,
    std::string device, std::string container, bool* created) {
  std::unique_ptr<ReaderBase> reader(
      new ReaderBase(session, std::move(spec), std::move(shared_name),
                     std::move(device), std::move(container), true));
  std::lock_guard<std::mutex> lock(reader->mutex_);
  TROUPE_RETURN_IF_ERROR(
      (internal::ConnectResource<ReaderActor, ReaderSpec, reader_atom,
                                 lookup_reader_atom>(
          reader->session_,
          {"reader", reader->device_, reader->container_, reader->shared_name_},
          true, &reader->actor_, &reader->spec_, created,
          &reader->incarnation_)));
  return reader;
}

absl::StatusOr<ReaderActor> ReaderBase::handle() {
  std::lock_guard<std::mutex> lock(mutex_);
  TROUPE_RETURN_IF_ERROR(EnsureLocked());
  return actor_;
}

absl::Status ReaderBase::EnsureLocked() {
  return internal::EnsureResource<ReaderActor, ReaderSpec, reader_atom,
                                  lookup_reader_atom>(
      session_, {"reader", device_, container_, shared_name_},
      create_if_missing_, &actor_, &spec_, &incarnation_);
}

template <class... Out, class... Args>
absl::StatusOr<std::tuple<Out...>> ReaderBase::Call(absl::Duration timeout,
                                                    Args... args) {
  auto actor = handle();
  if (!actor.ok()) return actor.status();
  auto reply =
      internal::Call<Out...>(session_.requester(), *actor, timeout, args...);
  internal::ForgetIfLost(reply.status(), *actor, mutex_, &actor_, session_,
                         device_);
  return reply;
}

absl::StatusOr<KeyValue> ReaderBase::read(const QueueBase& queue,
                                          absl::Duration timeout) {
  return read(queue.name(), timeout);
}

absl::StatusOr<KeyValue> ReaderBase::read(const std::string& queue,
                                          absl::Duration timeout) {
  auto reply = Call<std::string, std::string>(timeout, read_atom::value, queue,
                                              internal::ToTimeoutMs(timeout));
  if (!reply.ok()) return reply.status();
  return KeyValue{std::move(std::get<0>(*reply)),
                  std::move(std::get<1>(*reply))};
}

absl::StatusOr<KeysValues> ReaderBase::read_up_to(const QueueBase& queue,
                                                  int64_t n,
                                                  absl::Duration timeout) {
  return read_up_to(queue.name(), n, timeout);
}

absl::StatusOr<KeysValues> ReaderBase::read_up_to(const std::string& queue,
                                                  int64_t n,
                                                  absl::Duration timeout) {
  auto reply = Call<std::vector<std::string>, std::vector<std::string>>(
      timeout, read_up_to_atom::value, queue, n,
      internal::ToTimeoutMs(timeout));
  if (!reply.ok()) return reply.status();
  return KeysValues{std::move(std::get<0>(*reply)),
                    std::move(std::get<1>(*reply))};
}

absl::StatusOr<ReaderCounters> ReaderBase::counters() {
  auto reply = Call<int64_t, int64_t, int64_t>(internal::kAnsweredAtOnce,
                                               reader_stats_atom::value);
  if (!reply.ok()) return reply.status();
  return ReaderCounters{std::get<0>(*reply), std::get<1>(*reply),
                        std::get<2>(*reply)};
}

absl::StatusOr<int64_t> ReaderBase::num_records_produced() {
  TROUPE_ASSIGN_OR_RETURN(ReaderCounters now, counters());
  return now.records_produced;
}

absl::StatusOr<int64_t> ReaderBase::num_work_units_completed() {
  TROUPE_ASSIGN_OR_RETURN(ReaderCounters now, counters());
  return now.work_units_completed;
}

absl::Status ReaderBase::reset() {
  return Call<caf::ok_atom>(internal::kAnsweredAtOnce, reset_atom::value)
      .status();
}

absl::StatusOr<std::string> ReaderBase::serialize_state() {
  auto reply =
      Call<std::string>(internal::kAnsweredAtOnce, serialize_atom::value);
  if (!reply.ok()) return reply.status();
  return std::move(std::get<0>(*reply));
}

absl::Status ReaderBase::restore_state(const std::string& state) {
  return Call<caf::ok_atom>(internal::kAnsweredAtOnce, restore_atom::value,
                            state)
      .status();
}

absl::StatusOr<int64_t> WriteTFRecordFile(
    Session& session, const std::string& path,
    const std::vector<std::string>& records, const std::string& compression,
    const std::string& device) {
  auto task = session.connection(device);
  if (!task.ok()) return task.status();
  auto reply = internal::Call<int64_t>(
      session.requester(), task->actor, internal::kAnsweredAtOnce,
      tfrecord_write_atom::value, internal::kThisTask, path, records,
      compression);
  if (!reply.ok()) return reply.status();
  return std::get<0>(*reply);
}

}  // namespace troupe
