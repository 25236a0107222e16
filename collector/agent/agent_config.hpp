#pragma once
// The collector agent's configuration: seed 001's config.json, read
// verbatim —
//   {"collector_id": 1, "api_key": "collector_1_…", "backend_url": "http://localhost:8000",
//    "db_type": "mysql", "db_config": {"host", "port", "user", "password", "database",
//    "min_exec_time_ms"}, "heartbeat_interval": 30, "collection_interval": 300}
// — plus what the seed leaves implicit: db_type "sqlwarden" (a sqlwarden
// admin API: db_config.port is its admin port, db_config.password a read
// token), intervals may be fractional seconds (tests), "state_dir" (cursor
// and unsent batches; default: collector-<id>-state next to the file),
// "max_spool_batches" and "max_batch_queries". Command-line values override
// the file. Secrets are Secret: they print as ********.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "proxy/core/result.hpp"
#include "proxy/core/secret.hpp"

namespace sw::collector::agent {

enum class DbType { mysql, postgres, sqlwarden };
const char* db_type_name(DbType t) noexcept;

struct DbConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the engine's default (3306, 5432, 8000)
  std::string user;
  Secret password;
  std::string database;
  std::uint32_t min_exec_time_ms = 500;  // postgres and sqlwarden sources
};

struct AgentConfig {
  std::uint64_t collector_id = 0;
  Secret api_key;
  std::string backend_url;
  DbType db_type = DbType::mysql;
  DbConfig db;
  std::chrono::milliseconds heartbeat_interval{30000};
  std::chrono::milliseconds collection_interval{300000};
  std::string state_dir;
  std::uint32_t max_spool_batches = 1000;  // unsent batches kept on disk; the oldest go first
  std::uint32_t max_batch_queries = 500;   // queries per POST
};

struct CommandLineOverrides {
  std::optional<std::uint64_t> collector_id;
  std::optional<std::string> api_key;
  std::optional<std::string> backend_url;
};

Result<AgentConfig> load_agent_config(const std::string& path, const CommandLineOverrides& o);
// From the JSON text; `directory` anchors the default state_dir.
Result<AgentConfig> parse_agent_config(std::string_view text, const std::string& directory,
                                       const CommandLineOverrides& o);
// update_config: db_config keys (flat or under "db_config") and the two
// intervals; the rest of the config stays. Invalid payload: nothing changes.
Status apply_update(AgentConfig& config, const nlohmann::json& payload);

}  // namespace sw::collector::agent
