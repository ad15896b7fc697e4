// The `troupe` command: `task`, `up` and `ctl` (see DESIGN.md for the
// contract).
#include <iostream>
#include <string>
#include <vector>

#include "base/version.h"
#include "cli/ctl_command.h"
#include "cli/task_command.h"
#include "cli/up_command.h"

namespace {

constexpr char kUsage[] =
    "usage:\n"
    "  troupe task --cluster FILE --job JOB --task INDEX   serve one task\n"
    "  troupe up   --cluster FILE [OPTIONS]                serve every local "
    "task of FILE,\n"
    "              restarting those that fail; OPTIONS: --restart "
    "no|on-failure|always,\n"
    "              --max-restarts N, --restart-window D, --restart-backoff D, "
    "--stop-grace D\n"
    "  troupe ctl  --target HOST:PORT [--device D] [--container C] [--timeout "
    "5s] CMD ...\n"
    "  troupe COMMAND --help                               its flags, each "
    "with its help\n"
    "  troupe --version                                    print the "
    "version\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "task") return troupe::cli::RunTask(args);
  if (command == "up") return troupe::cli::RunUp(argv[0], args);
  if (command == "ctl") return troupe::cli::RunCtl(args);
  if (command == "--version") {
    std::cout << "troupe " << troupe::kVersion << "\n";
    return 0;
  }
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << "troupe: unknown command '" << command << "'\n" << kUsage;
  return 2;
}
