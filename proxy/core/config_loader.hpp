#pragma once
// Loading and validating configuration: sqlwarden.toml, or the seed's
// db_config.json / MARIADB_* environment as a single-tenant MySQL shortcut.
// Every problem is collected (not just the first) with its key path and line.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/core/config.hpp"

namespace sw {

struct ConfigIssue {
  std::string path;        // e.g. "tenants[0].postgres.listen"
  std::uint32_t line = 0;  // 0 when unknown
  std::string message;
  std::string to_string(std::string_view file) const;
};

struct ConfigLoad {
  Config config;
  std::vector<ConfigIssue> issues;  // empty = valid
  bool ok() const noexcept { return issues.empty(); }
};

ConfigLoad load_toml_config_text(std::string_view text, std::string_view source_name);
ConfigLoad load_toml_config_file(const std::string& path);

// Seed 000: {"host","port","user","password","database","charset",
// "max_connections","connection_timeout","read_timeout","write_timeout"}.
// `listen` is where the proxy's MySQL port goes (default 127.0.0.1:6033).
ConfigLoad load_db_config_json_text(std::string_view text, const Endpoint& listen);
ConfigLoad load_db_config_json_file(const std::string& path, const Endpoint& listen);

// MARIADB_HOST/PORT/USER/PASSWORD/DATABASE/MAX_CONNECTIONS; `getenv` is
// injectable so tests need not touch the process environment.
using EnvLookup = const char* (*)(const char*);
ConfigLoad load_mariadb_env(EnvLookup getenv_fn, const Endpoint& listen);

// Checks that span the whole snapshot (duplicate ports, user→tenant links).
void validate_config(const Config& config, std::vector<ConfigIssue>& issues);

// auth_user: an existing [[users]] entry with a password the proxy can use.
void validate_auth_users(const Config& config, std::vector<ConfigIssue>& issues);

// Profiles: built-in or [profiles.NAME] names only, for users and tenants.
void validate_profiles(const Config& config, std::vector<ConfigIssue>& issues);
bool is_statement_kind_name(std::string_view name) noexcept;

// "host:port" → Endpoint; nullopt when malformed or the port is out of range.
std::optional<Endpoint> parse_endpoint(std::string_view text);

}  // namespace sw
