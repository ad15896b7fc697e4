#include "cluster/node_config.h"

#include "caf/io/middleman.hpp"
#include "caf/openssl/manager.hpp"
#include "caf/timespan.hpp"

#include "serialization/protocol.h"
#include "serialization/status_error.h"

namespace troupe {

void ConfigureNode(caf::actor_system_config& config,
                   const NodeOptions& options) {
  RegisterProtocol(config);
  config.load<caf::io::middleman>();
  if (options.tls) {
    config.load<caf::openssl::manager>();
    config.openssl_certificate = options.tls->certificate;
    config.openssl_key = options.tls->key;
    config.openssl_cafile = options.tls->ca;
  }
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
  // in idle CPU. Deserializing on the multiplexer thread saves one more hop.
  config.set("work-stealing.moderate-poll-attempts", size_t{0});
  config.set("middleman.workers", size_t{0});
  config.set("middleman.heartbeat-interval",
             caf::timespan{options.heartbeat_interval});
  config.set("middleman.connection-timeout",
             caf::timespan{options.connection_timeout});
}

}  // namespace troupe
