// The command line of `troupe task`, `up` and `ctl`, read by CLI11: a help
// text that starts with the usage line, and every error as INVALID_ARGUMENT.
#pragma once

#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"

namespace troupe::cli {

// A CLI11 app whose --help (or -h) prints "usage: NAME POSITIONALS
// [OPTIONS]" first, then what the command does and each flag with its help;
// a flag given twice keeps its last value. Its subcommands are set up alike.
class CommandLine : public CLI::App {
 public:
  CommandLine(std::string name, std::string description);

  // Reads `args` (what follows the subcommand's name) into the flags. True
  // when the command is to run; false when `args` asked for the usage and it
  // was printed on `out` (the command then exits 0). INVALID_ARGUMENT with
  // CLI11's text and the usage line when `args` do not fit.
  absl::StatusOr<bool> Read(const std::vector<std::string>& args,
                            std::ostream& out = std::cout);
};

}  // namespace troupe::cli
