#include "net/spin_wait.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "doctest/doctest.h"

#include "net/fd.h"

namespace troupe {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

SpinPolicy After(int waits, microseconds each) {
  SpinPolicy policy;
  for (int i = 0; i < waits; ++i) policy.Waited(each);
  return policy;
}

TEST_SUITE("net") {
  TEST_CASE("spin policy: 100 us, and while waits are short, 1.5 times them") {
    CHECK(SpinPolicy().spin() == SpinPolicy::kShortSpin);
    // Replies that come at once: never under 100 us.
    CHECK(After(50, microseconds(5)).spin() == SpinPolicy::kShortSpin);
    // A durable queue's synced write: about 250 us a wait.
    const auto synced = After(50, microseconds(240)).spin();
    CHECK(synced >= microseconds(355));
    CHECK(synced <= microseconds(365));
    // Never over 500 us.
    CHECK(After(50, microseconds(450)).spin() == SpinPolicy::kLongestSpin);
  }

  TEST_CASE("spin policy: long waits and timeouts bring it back to 100 us") {
    SpinPolicy policy = After(50, microseconds(240));
    REQUIRE(policy.spin() > SpinPolicy::kShortSpin);
    policy.Waited(milliseconds(10));
    policy.Waited(milliseconds(10));
    CHECK(policy.spin() == SpinPolicy::kShortSpin);
    for (int i = 0; i < 50; ++i) policy.Waited(microseconds(240));
    REQUIRE(policy.spin() > SpinPolicy::kShortSpin);
    policy.TimedOut();
    policy.TimedOut();
    CHECK(policy.spin() == SpinPolicy::kShortSpin);
  }

  TEST_CASE(
      "spin policy: SpinThenPoll reports a ready descriptor, and a "
      "timeout as a long wait") {
    int ends[2];
    REQUIRE(pipe(ends) == 0);
    Fd read_end(ends[0]);
    Fd write_end(ends[1]);
    SpinPolicy policy = After(50, microseconds(240));
    pollfd ready{read_end.get(), POLLIN, 0};
    // Nothing to read: polls, then blocks for 1 ms, and times out.
    CHECK(SpinThenPoll(policy, &ready, 1) == 0);
    CHECK(SpinThenPoll(policy, &ready, 1) == 0);
    CHECK(policy.spin() == SpinPolicy::kShortSpin);
    REQUIRE(write(write_end.get(), "x", 1) == 1);
    CHECK(SpinThenPoll(policy, &ready, 1000) == 1);
    CHECK((ready.revents & POLLIN) != 0);
  }
}

TEST_CASE("SpinUntil: true for a flag set, false once the spin passes") {
  std::atomic<bool> flag{false};
  CHECK_FALSE(SpinUntil(flag, microseconds(50)));
  std::thread setter([&flag] { flag.store(true); });
  // The setter runs within the minute on any machine.
  CHECK(SpinUntil(flag, std::chrono::minutes(1)));
  setter.join();
  CHECK(SpinUntil(flag, microseconds(0)));
}

}  // namespace
}  // namespace troupe
