#include "cluster/reader.h"

#include "base/status_macros.h"
#include "cluster/wire_call.h"
#include "cluster/wire_resource.h"
#include "net/wire_client.h"

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
    : wire_(std::make_unique<
            internal::WireResourceHandle<ReaderSpec, ReaderActor>>(
          session, "reader", std::move(spec), std::move(shared_name),
          std::move(device), std::move(container), create_if_missing)) {}

ReaderBase::~ReaderBase() = default;

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
  TROUPE_RETURN_IF_ERROR(reader->wire_->Connect(nullptr));
  return reader;
}

absl::StatusOr<std::unique_ptr<ReaderBase>> ReaderBase::Create(
    Session& session, ReaderSpec spec, std::string shared_name,
    std::string device, std::string container, bool* created) {
  std::unique_ptr<ReaderBase> reader(
      new ReaderBase(session, std::move(spec), std::move(shared_name),
                     std::move(device), std::move(container), true));
  TROUPE_RETURN_IF_ERROR(reader->wire_->Connect(created));
  return reader;
}

const std::string& ReaderBase::name() const { return wire_->shared_name(); }

absl::StatusOr<ReaderActor> ReaderBase::handle() { return wire_->Handle(); }

template <class Reply, class Request>
absl::StatusOr<Reply> ReaderBase::Call(absl::Duration timeout,
                                       Request request) {
  return wire_->template Call<Reply>(std::move(request), timeout);
}

absl::StatusOr<KeyValue> ReaderBase::read(const QueueBase& queue,
                                          absl::Duration timeout) {
  return read(queue.name(), timeout);
}

absl::StatusOr<KeyValue> ReaderBase::read(const std::string& queue,
                                          absl::Duration timeout) {
  auto reply = Call<RecordReply>(
      timeout, ReadRecordRequest{0, queue, internal::ToTimeoutMs(timeout)});
  if (!reply.ok()) return reply.status();
  return KeyValue{std::move(reply->key), std::move(reply->value)};
}

absl::StatusOr<KeysValues> ReaderBase::read_up_to(const QueueBase& queue,
                                                  int64_t n,
                                                  absl::Duration timeout) {
  return read_up_to(queue.name(), n, timeout);
}

absl::StatusOr<KeysValues> ReaderBase::read_up_to(const std::string& queue,
                                                  int64_t n,
                                                  absl::Duration timeout) {
  auto reply = Call<RecordsReply>(
      timeout, ReadUpToRequest{0, queue, n, internal::ToTimeoutMs(timeout)});
  if (!reply.ok()) return reply.status();
  return KeysValues{std::move(reply->keys), std::move(reply->values)};
}

absl::StatusOr<ReaderCounters> ReaderBase::counters() {
  auto reply =
      Call<ReaderStatsReply>(internal::kAnsweredAtOnce, ReaderStatsRequest{0});
  if (!reply.ok()) return reply.status();
  return ReaderCounters{reply->records_produced, reply->work_units_completed,
                        reply->records_skipped};
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
  return Call<OkReply>(internal::kAnsweredAtOnce, ResetReaderRequest{0})
      .status();
}

absl::StatusOr<std::string> ReaderBase::serialize_state() {
  auto reply = Call<ReaderStateReply>(internal::kAnsweredAtOnce,
                                      SerializeReaderRequest{0});
  if (!reply.ok()) return reply.status();
  return std::move(reply->state);
}

absl::Status ReaderBase::restore_state(const std::string& state) {
  return Call<OkReply>(internal::kAnsweredAtOnce,
                       RestoreReaderRequest{0, state})
      .status();
}

absl::StatusOr<int64_t> WriteTFRecordFile(
    Session& session, const std::string& path,
    const std::vector<std::string>& records, const std::string& compression,
    const std::string& device) {
  TROUPE_ASSIGN_OR_RETURN(WireTask task, session.wire(device));
  auto reply = internal::CallWire<TfrecordWriteReply>(
      *task.client,
      TfrecordWriteRequest{internal::kThisTask, path, records, compression},
      internal::kAnsweredAtOnce);
  if (!reply.ok()) return reply.status();
  return reply->bytes;
}

}  // namespace troupe
