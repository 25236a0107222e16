#pragma once
// The `[tools]` section of sqlwarden.toml. The AI tools read it themselves
// (the core snapshot does not need their keys; config_loader only lets the
// table through): `load_tools_config` gives the values and every problem
// with its key path, like config-check does for the rest.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/core/config_loader.hpp"
#include "proxy/core/secret.hpp"

namespace sw::tools {

struct ToolsConfig {
  std::string user = "exo_ai";  // seed 000's tool user; its profile decides
  Secret password;              // empty = the user's plain password from [[users]]
  std::string database;         // empty = the listener's default_database
  std::string engine;           // "mysql" | "postgres" | "" (mysql if the tenant has it)
  std::chrono::milliseconds statement_timeout{30000};  // cancelled on the server after this
  std::uint32_t max_rows = 1000;                       // more rows → "truncated": true
  std::uint32_t threads = 4;                           // executor threads (never the workers)
  std::uint32_t warm_connections = 4;  // idle connections per (tenant, engine, user, database)
};

struct ToolsConfigLoad {
  ToolsConfig config;
  std::vector<std::string> problems;  // "tools.max_rows: expected an integer in 1..10000000"
};

// From the whole sqlwarden.toml text (a missing [tools] gives the defaults).
ToolsConfigLoad load_tools_config(std::string_view toml_text);

// sqlwarden.toml read once: the core configuration and its [tools] table
// come from the same text, so a file rewritten between two reads (a reload
// racing an editor) can never pair one version's users with another's tools.
struct ConfigFileLoad {
  ConfigLoad core;
  ToolsConfigLoad tools;
  bool ok() const noexcept { return core.ok() && tools.problems.empty(); }
  // Every problem, each as config-check prints it ("file: key: message").
  std::vector<std::string> problems(const std::string& path) const;
};
ConfigFileLoad load_config_file(const std::string& path);

}  // namespace sw::tools
