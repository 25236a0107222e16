#pragma once
// Runs a shell command (a real client tool: psql, mariadb, pgbench, ...)
// and captures what it printed.
#include <string>

namespace sw::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandResult run_command(const std::string& command);

// Quotes a string for /bin/sh.
std::string shell_quote(const std::string& s);

}  // namespace sw::test
