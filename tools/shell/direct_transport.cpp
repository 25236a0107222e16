// In-process tools: the seed's db_config.json (host, port, user, password,
// database, ...) or a sqlwarden.toml becomes a config snapshot for the tool
// executor, which connects to that listener as a client.
#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "proxy/admin/tools/tool_executor.hpp"
#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/config_loader.hpp"
#include "tools/shell/transport.hpp"

namespace sw::shell {
namespace {

class DirectTransport final : public Transport {
 public:
  DirectTransport(std::shared_ptr<Config> config, tools::ToolsConfig tools, tools::ToolScope scope,
                  std::string what)
      : executor_(config, std::move(tools)), scope_(std::move(scope)), what_(std::move(what)) {}
  nlohmann::json call(const std::string& tool, const nlohmann::json& arguments) override {
    return executor_.run(scope_, {tool, arguments});
  }
  std::string describe() const override { return what_; }

 private:
  tools::ToolExecutor executor_;
  tools::ToolScope scope_;
  std::string what_;
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Seed 000's JSON config: one MySQL endpoint (sqlwarden's MySQL listener or
// a server). MARIADB_* environment variables override it, as in the seed.
std::shared_ptr<Config> from_db_config(const std::string& path, tools::ToolsConfig& tools,
                                       std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return nullptr;
  }
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = path + " is not a JSON object";
    return nullptr;
  }
  auto env = [](const char* name, std::string fallback) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : fallback;
  };
  auto cfg = std::make_shared<Config>();
  TenantConfig tenant;
  tenant.name = "default";
  ListenerConfig l;
  l.listen.host = env("MARIADB_HOST", j.value("host", "127.0.0.1"));
  if (l.listen.host == "localhost") l.listen.host = "127.0.0.1";  // TCP, not the socket
  try {
    l.listen.port = static_cast<std::uint16_t>(
        std::stoi(env("MARIADB_PORT", std::to_string(j.value("port", 3306)))));
  } catch (const std::exception&) {
    error = "bad port";
    return nullptr;
  }
  tenant.mysql = l;
  cfg->tenants.push_back(tenant);
  tools.user = env("MARIADB_USER", j.value("user", "exo_ai"));
  tools.password = Secret(env("MARIADB_PASSWORD", j.value("password", "")));
  tools.database = env("MARIADB_DATABASE", j.value("database", ""));
  tools.engine = "mysql";
  tools.threads = 1;
  if (j.contains("read_timeout") && j["read_timeout"].is_number())
    tools.statement_timeout = std::chrono::seconds(j["read_timeout"].get<int>());
  if (tools.password.empty()) {
    error = path + ": no password (set \"password\" or MARIADB_PASSWORD)";
    return nullptr;
  }
  return cfg;
}

std::shared_ptr<Config> from_toml(const std::string& path, tools::ToolsConfig& tools,
                                  std::string& error) {
  auto file = tools::load_config_file(path);
  auto& load = file.core;
  if (!load.issues.empty()) {
    const auto& i = load.issues.front();
    error = fmt::format("{}: {}: {}", path, i.path, i.message);
    return nullptr;
  }
  auto& tl = file.tools;
  if (!tl.problems.empty()) {
    error = path + ": " + tl.problems.front();
    return nullptr;
  }
  tools = std::move(tl.config);
  tools.threads = 1;
  auto cfg = std::make_shared<Config>(std::move(load.config));
  return cfg;
}

}  // namespace

std::unique_ptr<Transport> make_http_transport(const TransportOptions& options, std::string& error);

std::unique_ptr<Transport> make_transport(const TransportOptions& o, std::string& error) {
  if (!o.url.empty()) return make_http_transport(o, error);
  if (o.config_file.empty()) {
    error = "give --config FILE (db_config.json or sqlwarden.toml) or --url URL";
    return nullptr;
  }
  tools::ToolsConfig tools;
  auto cfg = ends_with(o.config_file, ".json") ? from_db_config(o.config_file, tools, error)
                                               : from_toml(o.config_file, tools, error);
  if (!cfg) return nullptr;
  if (o.timeout_ms) tools.statement_timeout = std::chrono::milliseconds(o.timeout_ms);
  tools::ToolScope scope{o.tenant, o.engine, "shell"};
  std::string what = fmt::format("{} as {}", o.config_file, tools.user);
  return std::make_unique<DirectTransport>(cfg, std::move(tools), scope, what);
}

}  // namespace sw::shell
