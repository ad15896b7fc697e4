#include "bench/caf_peer.h"

#include <deque>
#include <iostream>
#include <string>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/atom.hpp"
#include "caf/io/middleman.hpp"
#include "caf/scoped_actor.hpp"
#include "caf/stateful_actor.hpp"
#include "caf/typed_actor.hpp"
#include "caf/typed_event_based_actor.hpp"

#include "bench/bench_util.h"

namespace troupe::bench {

namespace {

using put_atom = caf::atom_constant<caf::atom("raw_put")>;
using get_atom = caf::atom_constant<caf::atom("raw_get")>;

using RawQueue = caf::typed_actor<
    caf::replies_to<put_atom, std::vector<char>>::with<caf::ok_atom>,
    caf::replies_to<get_atom>::with<std::vector<char>>>;

struct RawQueueState {
  std::deque<std::vector<char>> elements;
};

RawQueue::behavior_type RawQueueBehavior(
    RawQueue::stateful_pointer<RawQueueState> self) {
  return {
      [self](put_atom, std::vector<char>& element) {
        self->state.elements.push_back(std::move(element));
        return caf::ok_atom::value;
      },
      [self](get_atom) -> caf::result<std::vector<char>> {
        if (self->state.elements.empty())
          return caf::make_error(caf::sec::runtime_error, "empty");
        std::vector<char> element = std::move(self->state.elements.front());
        self->state.elements.pop_front();
        return element;
      },
  };
}

void Configure(caf::actor_system_config& config, bool tuned) {
  config.load<caf::io::middleman>();
  // The same scheduler size as a Troupe node (cluster/node_config.h).
  config.set("scheduler.max-threads", size_t{2});
  if (tuned) {
    config.set("work-stealing.moderate-poll-attempts", size_t{0});
    config.set("middleman.workers", size_t{0});
  }
}

}  // namespace

int RunCafServer(bool tuned) {
  caf::actor_system_config config;
  Configure(config, tuned);
  caf::actor_system system{config};
  auto queue = system.spawn(RawQueueBehavior);
  auto port = system.middleman().publish(queue, 0, "127.0.0.1");
  if (!port) {
    std::cerr << "caf server: " << system.render(port.error()) << "\n";
    return 1;
  }
  std::cout << "port " << *port << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  caf::anon_send_exit(queue, caf::exit_reason::user_shutdown);
  return 0;
}

absl::StatusOr<std::vector<double>> CafRoundTrip(uint16_t port, int64_t warmup,
                                                 int64_t pairs, bool tuned) {
  caf::actor_system_config config;
  Configure(config, tuned);
  caf::actor_system system{config};
  auto queue = system.middleman().remote_actor<RawQueue>("127.0.0.1", port);
  if (!queue) {
    return absl::UnavailableError("raw CAF: " + system.render(queue.error()));
  }
  caf::scoped_actor self{system};
  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(2 * pairs));
  std::vector<char> element(8, 1);
  std::string failure;
  auto on_error = [&](caf::error& error) { failure = system.render(error); };
  for (int64_t i = 0; i < warmup + pairs && failure.empty(); ++i) {
    int64_t start = NowNs();
    self->request(*queue, caf::infinite, put_atom::value, element)
        .receive([](caf::ok_atom) {}, on_error);
    int64_t middle = NowNs();
    self->request(*queue, caf::infinite, get_atom::value)
        .receive([](std::vector<char>&) {}, on_error);
    int64_t end = NowNs();
    if (i < warmup) continue;
    latencies.push_back(static_cast<double>(middle - start) / 1e3);
    latencies.push_back(static_cast<double>(end - middle) / 1e3);
  }
  if (!failure.empty()) return absl::InternalError("raw CAF: " + failure);
  return latencies;
}

}  // namespace troupe::bench
