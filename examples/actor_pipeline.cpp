// Users' own CAF actors on a shared queue, with no blocking facade and no
// threads beyond the actor system: a loader actor keeps a bounded window of
// enqueues in flight (backpressure: a full queue delays the replies, so the
// loader slows down), and a trainer actor pulls mini-batches until the
// closed queue is drained. Looking the queue up is the one blocking step:
// its typed handle then speaks Troupe's wire for the actors.
//
//   build/bin/actor_pipeline [HOST:PORT] [INSTANCES] [WINDOW]
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/stateful_actor.hpp"

#include "cluster/queue.h"
#include "cluster/session.h"
#include "serialization/protocol.h"
#include "serialization/status_error.h"

namespace {

// A bound on every reply, so that nothing waits forever on a lost task.
constexpr auto kReplyBound = std::chrono::seconds(60);
constexpr int32_t kBatch = 100;

troupe::QueueOptions SharedQueue() {
  troupe::QueueOptions options;
  options.capacity = 1000;
  options.dtypes = {troupe::DT_FLOAT};
  options.shapes = {{2}};
  options.shared_name = "actor_q";
  return options;
}

struct LoaderState {
  troupe::QueueActor queue;
  int instances = 0;
  int window = 0;
  int next = 0;
  int in_flight = 0;
  bool closing = false;
};
using LoaderActor = caf::stateful_actor<LoaderState>;

// Tops the window of enqueues in flight up; once every instance is in,
// closes the queue.
void Fill(LoaderActor* self) {
  auto& s = self->state;
  while (s.in_flight < s.window && s.next < s.instances) {
    float value = static_cast<float>(s.next++);
    auto element = troupe::Tensor::FromVector<float>({2}, {value, -value});
    ++s.in_flight;
    self->request(s.queue, kReplyBound, troupe::enqueue_atom::value,
                  troupe::Tuple{element}, troupe::kNoTimeout)
        .then([self](caf::ok_atom) {
          --self->state.in_flight;
          Fill(self);
        });
  }
  if (s.next == s.instances && s.in_flight == 0 && !s.closing) {
    s.closing = true;
    self->request(s.queue, kReplyBound, troupe::close_atom::value, false,
                  troupe::kNoTimeout)
        .then([self](caf::ok_atom) {
          std::cout << "loader actor: enqueued " << self->state.instances
                    << " instances, closed the queue" << std::endl;
          self->quit();
        });
  }
}

caf::behavior Loader(LoaderActor* self, troupe::QueueActor queue, int instances,
                     int window) {
  self->state.queue = std::move(queue);
  self->state.instances = instances;
  self->state.window = window;
  Fill(self);
  return {};
}

struct TrainerState {
  troupe::QueueActor queue;
  int received = 0;
  double sum = 0;
};
using TrainerActor = caf::stateful_actor<TrainerState>;

// Asks for the next batch: dequeue_many while the queue has full batches,
// then dequeue_up_to for the remainder, until OUT_OF_RANGE.
void Pull(TrainerActor* self, bool up_to) {
  auto on_batch = [self, up_to](troupe::Tuple& batch) {
    auto values = batch[0].flat<float>();
    for (size_t i = 0; i < values.size(); i += 2) self->state.sum += values[i];
    self->state.received += static_cast<int>(batch[0].shape()[0]);
    Pull(self, up_to);
  };
  auto on_error = [self, up_to](caf::error& error) {
    absl::Status status = troupe::ToStatus(error);
    if (absl::IsOutOfRange(status) && !up_to) return Pull(self, true);
    std::cout << "trainer actor: received " << self->state.received
              << " instances (sum of first components " << self->state.sum
              << "), then " << status << std::endl;
    self->quit();
  };
  if (up_to) {
    self->request(self->state.queue, kReplyBound,
                  troupe::dequeue_up_to_atom::value, kBatch, troupe::kNoTimeout)
        .then(on_batch, on_error);
  } else {
    self->request(self->state.queue, kReplyBound,
                  troupe::dequeue_many_atom::value, kBatch, troupe::kNoTimeout)
        .then(on_batch, on_error);
  }
}

caf::behavior Trainer(TrainerActor* self, troupe::QueueActor queue) {
  self->state.queue = std::move(queue);
  Pull(self, false);
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = argc > 1 ? argv[1] : "127.0.0.1:2222";
  int instances = argc > 2 ? std::atoi(argv[2]) : 10050;
  int window = argc > 3 ? std::atoi(argv[3]) : 64;
  troupe::Session session(target);
  troupe::FIFOQueue queue(session, SharedQueue());
  auto handle = queue.handle();
  if (!handle.ok()) {
    std::cerr << "actor_pipeline: " << handle.status() << "\n";
    return 1;
  }
  auto start = std::chrono::steady_clock::now();
  session.system().spawn(Trainer, *handle);
  session.system().spawn(Loader, *handle, instances, window);
  session.system().await_all_actors_done();
  auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::cout << "actor_pipeline: " << instances << " instances with " << window
            << " enqueues in flight in " << seconds << " s" << std::endl;
  return 0;
}
