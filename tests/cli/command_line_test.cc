// Unit tests for cli/command_line.h: what --help prints, and how flags and
// positional arguments are read, or refused as INVALID_ARGUMENT.
#include "cli/command_line.h"

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "doctest/doctest.h"

namespace troupe::cli {
namespace {

// A command with a positional NAME, a --size flag, a --quiet switch and a
// subcommand `verb` with its own --level.
struct Demo {
  CommandLine command_line{"troupe demo", "Does a demo."};
  std::string name;
  std::optional<std::string> size;
  bool quiet = false;
  CLI::App* verb = nullptr;
  std::string level;

  Demo() {
    command_line.add_option("NAME", name, "what it is called")->required();
    command_line.add_option("--size", size, "how big it is")->type_name("N");
    command_line.add_flag("--quiet", quiet, "say nothing");
  }

  void AddVerb() {
    command_line.fallthrough();
    verb = command_line.add_subcommand("verb", "does the verb");
    verb->add_option("--level", level, "how much")->type_name("L");
  }

  absl::StatusOr<bool> Read(const std::vector<std::string>& args) {
    return command_line.Read(args, out);
  }

  std::ostringstream out;
};

TEST_CASE(
    "command line: --help and -h print the usage line first, then "
    "each flag with its help") {
  for (const std::string flag : {"--help", "-h"}) {
    Demo demo;
    absl::StatusOr<bool> run = demo.Read({flag});  // NAME not needed then
    REQUIRE(run.ok());
    CHECK_FALSE(*run);
    const std::string help = demo.out.str();
    CHECK(absl::StartsWith(
        help, "usage: troupe demo NAME [OPTIONS]\n\nDoes a demo.\n"));
    CHECK(absl::StrContains(help, "what it is called"));
    CHECK(absl::StrContains(help, "--size N"));
    CHECK(absl::StrContains(help, "how big it is"));
    CHECK(absl::StrContains(help, "say nothing"));
  }
}

TEST_CASE("command line: a subcommand's --help is its own") {
  Demo demo;
  demo.AddVerb();
  absl::StatusOr<bool> run = demo.Read({"x", "verb", "--help"});
  REQUIRE(run.ok());
  CHECK_FALSE(*run);
  CHECK(absl::StartsWith(demo.out.str(), "usage: troupe demo verb [OPTIONS]"));
  CHECK(absl::StrContains(demo.out.str(), "--level L"));
  CHECK_FALSE(absl::StrContains(demo.out.str(), "--size"));
}

TEST_CASE("command line: help lines are at most 80 characters") {
  Demo demo;
  demo.command_line.add_option(
      "--long", demo.level,
      "a help text far longer than one line, so that it has to be wrapped "
      "at a space to stay within eighty characters, and then once more");
  REQUIRE(demo.Read({"--help"}).ok());
  for (absl::string_view line : absl::StrSplit(demo.out.str(), '\n')) {
    CHECK_MESSAGE(line.size() <= 80, line);
  }
  CHECK(absl::StrContains(demo.out.str(), "and then once more"));
}

TEST_CASE("command line: --name value or --name=value, the last one wins") {
  Demo demo;
  absl::StatusOr<bool> run =
      demo.Read({"--size", "1", "thing", "--quiet", "--size=2"});
  REQUIRE(run.ok());
  CHECK(*run);
  CHECK(demo.name == "thing");
  CHECK(demo.size == "2");
  CHECK(demo.quiet);

  Demo without;
  REQUIRE(without.Read({"thing"}).ok());
  CHECK_FALSE(without.size.has_value());
  CHECK_FALSE(without.quiet);
}

TEST_CASE("command line: negative numbers, - and empty text are values") {
  Demo demo;
  REQUIRE(demo.Read({"-5", "--size", "-"}).ok());
  CHECK(demo.name == "-5");
  CHECK(demo.size == "-");
  Demo empty;
  REQUIRE(empty.Read({"", "--size", ""}).ok());
  CHECK(empty.name.empty());
  CHECK(empty.size == "");
}

TEST_CASE("command line: a parent's flags may follow the subcommand") {
  Demo demo;
  demo.AddVerb();
  REQUIRE(demo.Read({"x", "verb", "--level", "3", "--size", "4"}).ok());
  CHECK(demo.verb->parsed());
  CHECK(demo.level == "3");
  CHECK(demo.size == "4");
}

TEST_CASE(
    "command line: what does not fit is INVALID_ARGUMENT naming it, "
    "with the usage line") {
  struct Case {
    std::vector<std::string> args;
    std::string text;
  };
  for (const Case& c : std::vector<Case>{
           {{"x", "--bogus"}, "Unexpected argument: --bogus"},
           {{"x", "y", "z"}, "Unexpected arguments: y z"},
           {{"x", "--size"}, "--size"},
           {{"--size", "1"}, "NAME is required"},
       }) {
    Demo demo;
    absl::StatusOr<bool> run = demo.Read(c.args);
    INFO(c.text);
    REQUIRE_FALSE(run.ok());
    CHECK(absl::IsInvalidArgument(run.status()));
    CHECK(absl::StrContains(run.status().message(), c.text));
    CHECK(absl::StrContains(run.status().message(),
                            "(usage: troupe demo NAME [OPTIONS])"));
    CHECK(demo.out.str().empty());
  }
}

TEST_CASE("command line: an error in a subcommand shows its usage") {
  Demo demo;
  demo.AddVerb();
  absl::StatusOr<bool> run = demo.Read({"x", "verb", "--level"});
  REQUIRE_FALSE(run.ok());
  CHECK(absl::StrContains(run.status().message(),
                          "(usage: troupe demo verb [OPTIONS])"));
}

}  // namespace
}  // namespace troupe::cli
