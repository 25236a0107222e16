#pragma once
// `sqlwarden policy-check`: JSON lines {"sql": "..."} in, one JSON line
// {"decision","kind","reason","fingerprint","message"} out per input, so
// operators can try a profile before deploying it.
#include <iosfwd>
#include <string>

namespace sw::policy {

struct PolicyCheckOptions {
  std::string dialect;  // postgres | mysql
  std::string profile;
  std::string config_file;  // optional: custom profiles
  std::string database;
  bool no_backslash_escapes = false;
  bool ansi_quotes = false;
};

// Returns the process exit code (0 ok, 2 bad arguments or config).
int run_policy_check(const PolicyCheckOptions& options, std::istream& in, std::ostream& out,
                     std::ostream& err);

}  // namespace sw::policy
