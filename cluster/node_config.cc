#include "cluster/node_config.h"

#include "cluster/quiet_clock.h"
#include "serialization/protocol.h"
#include "serialization/status_error.h"

namespace troupe {

void ConfigureNode(caf::actor_system_config& config,
                   const NodeOptions& options) {
  RegisterProtocol(config);
  config.add_error_category(
      TroupeErrorCategory(),
      [](uint8_t code, caf::atom_value, const caf::message& context) {
        std::string text = "troupe error " + std::to_string(code);
        if (context.match_elements<std::string>()) {
          text += ": " + context.get_as<std::string>(0);
        }
        return text;
      });
  config.set("scheduler.max-threads", options.scheduler_threads);
  // An idle CAF 0.17 worker polls 500 times with 50 us sleeps before it
  // relaxes; every hop of a request landed on such a sleeper. Skipping that
  // phase took a round trip from 326 to 62 us (BENCHMARKS.md) with no change
  // in idle CPU.
  config.set("work-stealing.moderate-poll-attempts", size_t{0});
  UseQuietClock(config);
}

}  // namespace troupe
