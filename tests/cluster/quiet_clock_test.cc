#include "cluster/quiet_clock.h"

#include <chrono>
#include <string>

#include "caf/all.hpp"
#include "doctest/doctest.h"

#include "cluster/node_config.h"

namespace troupe {
namespace {

using namespace std::chrono_literals;

// A node's actor system, as ConfigureNode makes it: with a QuietClock.
struct NodeSystem {
  NodeSystem() : system(Configured(config)) {}
  static caf::actor_system_config& Configured(caf::actor_system_config& c) {
    ConfigureNode(c);
    return c;
  }
  caf::actor_system_config config;
  caf::actor_system system;
};

// An actor that never answers.
caf::behavior Silent(caf::event_based_actor* self) {
  return {[self](const std::string&) { return self->make_response_promise(); }};
}

caf::behavior Echo() {
  return {[](const std::string& x) { return x; }};
}

TEST_CASE("quiet clock: the node's system uses it") {
  NodeSystem node;
  CHECK(dynamic_cast<QuietClock*>(&node.system.clock()) != nullptr);
}

// Sends `me` whether a request to `silent` with `timeout` timed out.
caf::behavior AskSilent(caf::event_based_actor* asker, caf::actor silent,
                        caf::actor me, caf::duration timeout) {
  asker->request(silent, timeout, std::string("hello"))
      .then([](const std::string&) {},
            [asker, me](caf::error& error) {
              asker->send(me, error == caf::sec::request_timeout);
            });
  return {};
}

// Whether the request that AskSilent reports on timed out, within 10 s. The
// blocking actor's own wait does not use the clock.
bool TimedOut(caf::scoped_actor& self) {
  bool timed_out = false;
  self->receive([&](bool x) { timed_out = x; },
                caf::after(std::chrono::seconds(10)) >> [] {});
  return timed_out;
}

TEST_CASE("quiet clock: a request with no answer times out") {
  NodeSystem node;
  caf::scoped_actor self{node.system};
  auto silent = node.system.spawn(Silent);
  auto asker =
      node.system.spawn(AskSilent, silent, caf::actor_cast<caf::actor>(self),
                        caf::duration{20ms});
  CHECK(TimedOut(self));
  self->send_exit(asker, caf::exit_reason::user_shutdown);
  self->send_exit(silent, caf::exit_reason::user_shutdown);
}

TEST_CASE(
    "quiet clock: a timeout due before the one the clock waits for wakes it") {
  NodeSystem node;
  caf::scoped_actor self{node.system};
  auto silent = node.system.spawn(Silent);
  caf::actor me = caf::actor_cast<caf::actor>(self);
  // The clock then waits for an hour; the next timeout is due in 20 ms.
  auto later = node.system.spawn(AskSilent, silent, me,
                                 caf::duration{std::chrono::seconds(3600)});
  auto sooner = node.system.spawn(AskSilent, silent, me, caf::duration{20ms});
  CHECK(TimedOut(self));
  for (const auto& actor : {later, sooner, silent}) {
    self->send_exit(actor, caf::exit_reason::user_shutdown);
  }
}

TEST_CASE("quiet clock: an answered request's timeout never fires") {
  NodeSystem node;
  auto echo = node.system.spawn(Echo);
  caf::scoped_actor self{node.system};
  // Due half a second after the request's timeout: nothing may come for the
  // request before it. The echo answers well within the timeout (a second,
  // for a local actor, sanitizers and a loaded machine included).
  self->delayed_send(self, 1500ms, std::string("end"));
  std::string answer;
  self->request(echo, 1s, std::string("hello"))
      .receive([&](const std::string& x) { answer = x; }, [](caf::error&) {});
  CHECK(answer == "hello");
  std::string next;
  self->receive([&](const std::string& x) { next = x; },
                [&](caf::error&) { next = "a timeout"; },
                caf::after(std::chrono::seconds(10)) >> [] {});
  CHECK(next == "end");
}

TEST_CASE("quiet clock: delayed messages arrive in the order they are due") {
  NodeSystem node;
  caf::scoped_actor self{node.system};
  self->delayed_send(self, 500ms, std::string("second"));
  self->delayed_send(self, 10ms, std::string("first"));
  std::string order;
  for (int i = 0; i < 2; ++i) {
    self->receive([&](const std::string& x) { order += x + " "; },
                  caf::after(std::chrono::seconds(10)) >> [] {});
  }
  CHECK(order == "first second ");
}

}  // namespace
}  // namespace troupe
