#include "collector/agent/agent_config.hpp"

#include <cmath>

#include <fmt/format.h>

#include "audit/durable_file.hpp"

namespace sw::collector::agent {

namespace {

using nlohmann::json;

Error bad(std::string message) {
  return make_error(Errc::config, std::move(message));
}

Result<std::chrono::milliseconds> seconds_field(const json& j, const char* key,
                                                std::chrono::milliseconds fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number() || !(it->get<double>() >= 0.05) || it->get<double>() > 86400.0 * 7)
    return bad(fmt::format("{}: expected seconds between 0.05 and 604800", key));
  return std::chrono::milliseconds(std::llround(it->get<double>() * 1000.0));
}

// db_config keys present in `j` replace those in `db` (all or nothing).
Status read_db(const json& j, DbConfig& db) {
  if (!j.is_object()) return bad("db_config: expected an object");
  DbConfig next = db;
  for (const auto& [key, v] : j.items()) {
    if (key == "host" || key == "user" || key == "database") {
      if (!v.is_string()) return bad(fmt::format("db_config.{}: expected a string", key));
      (key == "host"   ? next.host
       : key == "user" ? next.user
                       : next.database) = v.get<std::string>();
    } else if (key == "password") {
      if (!v.is_string()) return bad("db_config.password: expected a string");
      next.password = Secret(v.get<std::string>());
    } else if (key == "port") {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0 || v.get<std::uint64_t>() > 65535)
        return bad("db_config.port: expected a port number");
      next.port = v.get<std::uint16_t>();
    } else if (key == "min_exec_time_ms") {
      if (!v.is_number() || !(v.get<double>() >= 0) || v.get<double>() > 86400000.0)
        return bad("db_config.min_exec_time_ms: expected milliseconds ≥ 0");
      next.min_exec_time_ms = static_cast<std::uint32_t>(std::llround(v.get<double>()));
    } else if (key == "charset" || key == "connection_timeout") {
      // seed 000-style keys people copy over: harmless, ignored
    } else {
      return bad(fmt::format("db_config.{}: unknown key", key));
    }
  }
  db = std::move(next);
  return {};
}

}  // namespace

const char* db_type_name(DbType t) noexcept {
  switch (t) {
    case DbType::postgres:
      return "postgres";
    case DbType::sqlwarden:
      return "sqlwarden";
    case DbType::mysql:
      break;
  }
  return "mysql";
}

Result<AgentConfig> parse_agent_config(std::string_view text, const std::string& directory,
                                       const CommandLineOverrides& o) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return bad("the config file is not a JSON object");
  AgentConfig c;
  static constexpr std::string_view kKnown[] = {"collector_id",        "api_key",
                                                "backend_url",         "db_type",
                                                "db_config",           "heartbeat_interval",
                                                "collection_interval", "state_dir",
                                                "max_spool_batches",   "max_batch_queries"};
  for (const auto& [key, v] : j.items()) {
    bool known = false;
    for (auto k : kKnown) known = known || key == k;
    if (!known) return bad(fmt::format("{}: unknown key", key));
  }
  if (auto it = j.find("collector_id"); it != j.end()) {
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0)
      return bad("collector_id: expected the positive id the backend gave at registration");
    c.collector_id = it->get<std::uint64_t>();
  }
  if (auto it = j.find("api_key"); it != j.end()) {
    if (!it->is_string()) return bad("api_key: expected a string");
    c.api_key = Secret(it->get<std::string>());
  }
  if (auto it = j.find("backend_url"); it != j.end()) {
    if (!it->is_string()) return bad("backend_url: expected a string");
    c.backend_url = it->get<std::string>();
  }
  if (!j.contains("db_type") || !j["db_type"].is_string())
    return bad("db_type: required, mysql or postgres (or sqlwarden)");
  std::string type = j["db_type"].get<std::string>();
  if (type == "mysql" || type == "mariadb")
    c.db_type = DbType::mysql;
  else if (type == "postgres" || type == "postgresql")
    c.db_type = DbType::postgres;
  else if (type == "sqlwarden")
    c.db_type = DbType::sqlwarden;
  else
    return bad("db_type: expected mysql, postgres or sqlwarden");
  auto db = j.find("db_config");
  if (db == j.end()) return bad("db_config: required");
  if (auto read = read_db(*db, c.db); !read) return std::move(read).error();
  auto hb = seconds_field(j, "heartbeat_interval", c.heartbeat_interval);
  if (!hb) return std::move(hb).error();
  c.heartbeat_interval = *hb;
  auto coll = seconds_field(j, "collection_interval", c.collection_interval);
  if (!coll) return std::move(coll).error();
  c.collection_interval = *coll;
  for (auto [key, out] : {std::pair{"max_spool_batches", &c.max_spool_batches},
                          std::pair{"max_batch_queries", &c.max_batch_queries}}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    if (!it->is_number_unsigned() || it->get<std::uint64_t>() == 0 ||
        it->get<std::uint64_t>() > 1000000)
      return bad(fmt::format("{}: expected an integer from 1 to 1000000", key));
    *out = it->get<std::uint32_t>();
  }

  if (o.collector_id) c.collector_id = *o.collector_id;
  if (o.api_key) c.api_key = Secret(*o.api_key);
  if (o.backend_url) c.backend_url = *o.backend_url;
  if (c.collector_id == 0) return bad("collector_id: required (file or --collector-id)");
  if (c.api_key.empty()) return bad("api_key: required (file or --api-key)");
  if (c.backend_url.rfind("http://", 0) != 0 && c.backend_url.rfind("https://", 0) != 0)
    return bad("backend_url: required, http://host:port (file or --backend-url)");
  if (c.db.port == 0)
    c.db.port = c.db_type == DbType::mysql ? 3306 : c.db_type == DbType::postgres ? 5432 : 8000;

  if (auto it = j.find("state_dir"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>().empty())
      return bad("state_dir: expected a directory path");
    c.state_dir = it->get<std::string>();
  } else {
    c.state_dir = fmt::format("{}/collector-{}-state", directory, c.collector_id);
  }
  return c;
}

Result<AgentConfig> load_agent_config(const std::string& path, const CommandLineOverrides& o) {
  auto text = audit::read_whole_file(path);
  if (!text) return std::move(text).error();
  auto slash = path.rfind('/');
  std::string directory = slash == std::string::npos ? "." : path.substr(0, slash);
  auto c = parse_agent_config(*text, directory.empty() ? "/" : directory, o);
  if (!c) return make_error(Errc::config, path + ": " + c.error().message);
  return c;
}

Status apply_update(AgentConfig& config, const json& payload) {
  if (!payload.is_object()) return bad("update_config: payload must be an object");
  AgentConfig next = config;
  json db = json::object();
  for (const auto& [key, v] : payload.items()) {
    if (key == "db_config") {
      if (!v.is_object()) return bad("update_config: db_config must be an object");
      db.update(v);
    } else if (key == "heartbeat_interval" || key == "collection_interval") {
      auto ms = seconds_field(payload, key.c_str(), std::chrono::milliseconds(0));
      if (!ms) return std::move(ms).error();
      (key == "heartbeat_interval" ? next.heartbeat_interval : next.collection_interval) = *ms;
    } else {
      db[key] = v;
    }
  }
  if (auto read = read_db(db, next.db); !read) return read;
  config = std::move(next);
  return {};
}

}  // namespace sw::collector::agent
