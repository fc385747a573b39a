// The command line: `lightbeam COMMAND [options]` (options may also come before the command),
// parsed with CLI11 into CliOptions, with per-command help and --version.
#pragma once
#include <string>
#include <vector>

#include "lightbeam/run_options.hpp"

namespace lightbeam::cli {

struct Parsed {
  enum class Action { run, help, version };
  Action action = Action::run;
  std::string text;     // help or version text for stdout
  CliOptions options;   // for Action::run
};

// The commands, in the order help lists them.
const std::vector<std::string>& commands();

// Parses and checks the arguments (argv[0] is the program). Throws lightbeam::Error with one
// line naming the problem plus "run 'lightbeam --help'" for a missing/unknown command, an unknown
// option or a bad value (-q/-p not JSON objects, -r not status codes, -o/-n not timestamps).
Parsed parse(int argc, const char* const* argv);

}  // namespace lightbeam::cli
