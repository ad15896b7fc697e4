#include "serialization/status_error.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "caf/atom.hpp"
#include "caf/exit_reason.hpp"
#include "caf/message.hpp"
#include "caf/sec.hpp"

namespace troupe {

caf::atom_value TroupeErrorCategory() { return caf::atom("troupe"); }

caf::error ToError(const absl::Status& status) {
  if (status.ok()) return caf::none;
  return caf::error(static_cast<uint8_t>(status.code()), TroupeErrorCategory(),
                    caf::make_message(std::string(status.message())));
}

absl::Status ToStatus(const caf::error& error) {
  if (!error) return absl::OkStatus();
  if (error.category() == TroupeErrorCategory()) {
    std::string text;
    if (error.context().match_elements<std::string>()) {
      text = error.context().get_as<std::string>(0);
    }
    return absl::Status(static_cast<absl::StatusCode>(error.code()), text);
  }
  if (error.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(error.code())) {
      case caf::sec::request_timeout:
        return absl::DeadlineExceededError("Request timed out");
      case caf::sec::request_receiver_down:
        return absl::NotFoundError(
            "The resource no longer exists (it was reset or its task "
            "restarted)");
      case caf::sec::cannot_connect_to_node:
      case caf::sec::no_actor_published_at_port:
      case caf::sec::unexpected_actor_messaging_interface:
      case caf::sec::remote_linking_failed:
      case caf::sec::disconnect_during_handshake:
        return absl::UnavailableError(
            absl::StrCat("Cannot reach the task: ", caf::to_string(error)));
      default:
        break;
    }
  }
  return absl::InternalError(caf::to_string(error));
}

absl::Status LossStatus(const caf::error& reason) {
  if (reason == caf::make_error(caf::exit_reason::remote_link_unreachable)) {
    return absl::UnavailableError("Lost the connection to the task");
  }
  absl::Status stopped = ToStatus(reason);
  return absl::NotFoundError(
      absl::StrCat("The resource no longer exists: ",
                   stopped.ok() ? "it was stopped" : stopped.message()));
}

}  // namespace troupe
