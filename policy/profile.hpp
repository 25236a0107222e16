#pragma once
// A policy profile compiled for fast checks: which statement kinds pass,
// which functions and tables are off limits, and request limits. Built-ins
// (allow_all, read_only, exo_ai) are documented in docs/policy.md;
// custom profiles start from one of them and override keys from config.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/statement.hpp"
#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"

namespace sw::policy {

struct TablePattern {
  std::string schema;  // empty: any schema
  std::string name;    // "*": any table of `schema`
};

struct Profile {
  std::string name;
  bool allow_everything = false;  // allow_all: no rule applies
  std::uint32_t max_length = 0;   // characters; 0 = unlimited
  std::uint32_t max_statements = 0;
  std::array<bool, parsers::kStatementKindCount> allowed_kinds{};
  bool allow_writes = true;
  bool allow_cross_database = true;
  // MySQL LOAD DATA LOCAL INFILE (the server reads a file from the client):
  // off unless configured, in every profile, allow_all included.
  bool local_infile = false;
  std::vector<std::string> denied_functions;  // lower case; trailing '*' = prefix
  std::vector<TablePattern> denied_tables;
  std::vector<TablePattern> allowed_tables;  // empty: every table

  bool allows_kind(parsers::StatementKind k) const noexcept {
    return allowed_kinds[static_cast<std::size_t>(k)];
  }
  bool function_denied(std::string_view name) const noexcept;
};

// The AI profiles' default denied-function list (file access, sleeping,
// locks, signalling, server control, SQL-from-a-string, …).
const std::vector<std::string>& default_denied_functions();
// Secret-holding catalogs of both servers.
const std::vector<TablePattern>& secret_catalogs();

Profile builtin_profile(std::string_view name);  // name must be built-in
Result<Profile> compile_profile(const ProfileConfig& config);

// Built-ins plus every [profiles.NAME] of the snapshot.
Result<std::vector<Profile>> compile_profiles(const Config& config);

TablePattern parse_table_pattern(std::string_view text);

}  // namespace sw::policy
