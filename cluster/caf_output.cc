#include "cluster/caf_output.h"

#include <utility>

#include "caf/actor_ostream.hpp"
#include "caf/actor_system.hpp"
#include "caf/event_based_actor.hpp"
#include "caf/group_manager.hpp"

namespace troupe {
namespace {

// The local group that CAF's printer sends a redirected line to, as
// (group name, text): a name that starts with ':' names a group, not a file.
constexpr char kGroupName[] = ":troupe-caf-output";

caf::behavior Relay(caf::event_based_actor* self,
                    std::function<void(const std::string&)> log) {
  self->set_default_handler(caf::drop);
  return {
      [log = std::move(log)](const std::string&, std::string& text) {
        while (!text.empty() && text.back() == '\n') text.pop_back();
        log(text);
      },
  };
}

}  // namespace

caf::actor RouteCafOutput(caf::actor_system& system,
                          std::function<void(const std::string&)> log) {
  caf::group group = system.groups().get_local(kGroupName);
  // Subscribed before it is launched, so that no line is lost before.
  caf::actor relay =
      system.spawn_in_group<caf::hidden>(group, Relay, std::move(log));
  caf::actor_ostream::redirect_all(system, kGroupName);
  return relay;
}

}  // namespace troupe
