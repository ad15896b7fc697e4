#include "cli/metrics_server.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

#include "cli/task_stats.h"
#include "cluster/session.h"
#include "httplib.h"

namespace troupe::cli {

struct MetricsServer::Impl {
  httplib::Server http;
  uint16_t port = 0;
  std::thread thread;
  std::atomic<bool> listened{false};  // listen_after_bind returned
  // The task's stats, asked through a session of the server's own (made at
  // the first scrape; one scrape at a time).
  std::mutex mutex;
  std::string task_address;
  std::string device;
  NodeOptions options;
  std::unique_ptr<Session> session;

  std::string Scrape() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!session) session = std::make_unique<Session>(task_address, options);
    TaskStats task = AskTaskStats(*session, "");
    task.device = device;
    task.address = task_address;
    return StatsToPrometheus({task});
  }
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const TaskAddress& listen, std::string task_address, std::string device,
    NodeOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->task_address = std::move(task_address);
  impl->device = std::move(device);
  impl->options = std::move(options);
  Impl* self = impl.get();
  // One scrape at a time, on one thread: a scraper asks every few seconds.
  impl->http.new_task_queue = [] { return new httplib::ThreadPool(1); };
  impl->http.set_read_timeout(std::chrono::seconds(5));
  impl->http.set_payload_max_length(4096);
  impl->http.Get(
      "/metrics", [self](const httplib::Request&, httplib::Response& response) {
        response.set_content(self->Scrape(), "text/plain; version=0.0.4");
      });
  const int port =
      listen.port == 0
          ? impl->http.bind_to_any_port(listen.host)
          : (impl->http.bind_to_port(listen.host, listen.port) ? listen.port
                                                               : -1);
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("Cannot serve metrics on ", listen.ToString(),
                     ": the address is taken or not this machine's"));
  }
  impl->port = static_cast<uint16_t>(port);
  impl->thread = std::thread([self] {
    self->http.listen_after_bind();
    self->listened = true;
  });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

MetricsServer::~MetricsServer() {
  // httplib's stop() does nothing before its loop runs (is_running()), and
  // says nothing when it does: wait for either.
  while (!impl_->http.is_running() && !impl_->listened) {
    std::this_thread::yield();
  }
  impl_->http.stop();
  impl_->thread.join();
}

uint16_t MetricsServer::port() const { return impl_->port; }

}  // namespace troupe::cli
