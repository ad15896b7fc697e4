#include "cli/command_line.h"

#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace troupe::cli {

namespace {

// Help lines are at most this long.
constexpr size_t kWidth = 80;

// `text` with its words on lines of at most `width` characters.
std::string Wrap(const std::string& text, size_t width) {
  std::string wrapped;
  size_t line = 0;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (line > 0 && line + 1 + word.size() > width) {
      wrapped += '\n';
      line = 0;
    } else if (line > 0) {
      wrapped += ' ';
      ++line;
    }
    absl::StrAppend(&wrapped, word);
    line += word.size();
  }
  return wrapped;
}

// CLI11's help with the usage line first, positionals before [OPTIONS] in
// it as the README writes them, and texts wrapped at kWidth.
class UsageFirst : public CLI::Formatter {
 public:
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) return make_expanded(app);
    // One blank line between two groups of options, not CLI11's two.
    return absl::StrReplaceAll(
        absl::StrCat(make_usage(app, name), make_description(app),
                     make_positionals(app), make_groups(app, mode),
                     make_subcommands(app, mode), "\n", make_footer(app)),
        {{"\n\n\n", "\n\n"}});
  }

  std::string make_usage(const CLI::App* app, std::string name) const override {
    std::string usage = "usage: " + name;
    for (const CLI::Option* positional :
         app->get_options([](const CLI::Option* option) {
           return option->get_positional();
         })) {
      absl::StrAppend(&usage, " ", make_option_usage(positional));
    }
    absl::StrAppend(&usage, " [OPTIONS]");
    if (!app->get_subcommands({}).empty()) {
      absl::StrAppend(&usage, " COMMAND ...");
    }
    return usage + "\n";
  }

  std::string make_description(const CLI::App* app) const override {
    if (app->get_description().empty()) return "";
    return absl::StrCat("\n", Wrap(app->get_description(), kWidth), "\n");
  }

  std::string make_footer(const CLI::App* app) const override {
    if (app->get_footer().empty()) return "";
    return Wrap(app->get_footer(), kWidth) + "\n";
  }

  // A positional is in the usage line: its type and REQUIRED add nothing.
  std::string make_option_opts(const CLI::Option* option) const override {
    if (option->get_positional()) return "";
    return CLI::Formatter::make_option_opts(option);
  }

  std::string make_option_desc(const CLI::Option* option) const override {
    return Wrap(option->get_description(), kWidth - get_column_width());
  }

  std::string make_subcommand(const CLI::App* subcommand) const override {
    std::stringstream line;
    CLI::detail::format_help(
        line, subcommand->get_name(),
        Wrap(subcommand->get_description(), kWidth - get_column_width()),
        get_column_width());
    return line.str();
  }
};

}  // namespace

CommandLine::CommandLine(std::string name, std::string description)
    : CLI::App(std::move(description), std::move(name)) {
  formatter(std::make_shared<UsageFirst>());
  option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  set_help_flag("-h,--help", "print this help and exit");
}

absl::StatusOr<bool> CommandLine::Read(const std::vector<std::string>& args,
                                       std::ostream& out) {
  std::string what;
  try {
    // CLI11 takes the arguments last first.
    parse(std::vector<std::string>(args.rbegin(), args.rend()));
    return true;
  } catch (const CLI::CallForHelp&) {
    out << help();
    return false;
  } catch (const CLI::ExtrasError&) {
    // CLI11 2.1's own text names them last first.
    const std::vector<std::string> extra = remaining(/*recurse=*/true);
    what = absl::StrCat("Unexpected argument", extra.size() > 1 ? "s" : "",
                        ": ", absl::StrJoin(extra, " "));
  } catch (const CLI::ParseError& error) {
    what = error.what();
  }
  // help() is that of the subcommand being read, if there is one.
  const std::string usage = help();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " (", usage.substr(0, usage.find('\n')), ")"));
}

}  // namespace troupe::cli
