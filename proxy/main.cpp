// The sqlwarden binary: `run`, `config-check`, `policy-check`, `collector`, `version`.
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <openssl/opensslv.h>
#include <pg_query.h>
#include <spdlog/version.h>
#include <toml++/toml.h>
#include <xxhash.h>
#include <CLI/CLI.hpp>
#include <boost/version.hpp>
#include <nlohmann/json.hpp>

#include "collector/agent/agent.hpp"
#include "policy/policy_check.hpp"
#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/config_loader.hpp"
#include "proxy/core/log.hpp"
#include "proxy/core/version.hpp"
#include "proxy/runtime.hpp"
#include "proxy/tenants/cloning_config.hpp"

namespace {

void print_issues(const sw::ConfigLoad& load, const std::string& source) {
  for (const auto& issue : load.issues) std::cerr << issue.to_string(source) << "\n";
}

int cmd_version() {
  std::cout << "sqlwarden " << SQLWARDEN_VERSION << "\n"
            << "  boost " << BOOST_LIB_VERSION << "\n"
            << "  " << OPENSSL_VERSION_TEXT << "\n"
            << "  libpg_query (PostgreSQL " << PG_VERSION << " grammar)\n"
            << "  xxhash " << XXH_versionNumber() << "\n"
            << "  fmt " << FMT_VERSION << "\n"
            << "  spdlog " << SPDLOG_VER_MAJOR << "." << SPDLOG_VER_MINOR << "." << SPDLOG_VER_PATCH
            << "\n"
            << "  toml++ " << TOML_LIB_MAJOR << "." << TOML_LIB_MINOR << "." << TOML_LIB_PATCH
            << "\n"
            << "  nlohmann_json " << NLOHMANN_JSON_VERSION_MAJOR << "."
            << NLOHMANN_JSON_VERSION_MINOR << "." << NLOHMANN_JSON_VERSION_PATCH << "\n";
  return 0;
}

int cmd_config_check(const std::string& file) {
  auto load = sw::tools::load_config_file(file);
  auto cloning = sw::tenants::load_cloning_config_file(file);
  if (!load.ok() || !cloning.problems.empty()) {
    auto problems = load.problems(file);
    if (load.ok())  // a file that cannot be read or parsed is reported once
      for (const auto& p : cloning.problems) problems.push_back(file + ": " + p);
    for (const auto& p : problems) std::cerr << p << "\n";
    std::cerr << fmt::format("{}: {} problem(s)\n", file, problems.size());
    return 1;
  }
  const auto& cfg = load.core.config;
  std::cout << fmt::format("{}: ok ({} tenant(s), {} user(s))\n", file, cfg.tenants.size(),
                           cfg.users.size());
  return 0;
}

const char* env_lookup(const char* key) {
  return std::getenv(key);
}

int cmd_run(const std::string& config_file, const std::string& db_config,
            const std::string& listen) {
  auto mysql_listen = sw::parse_endpoint(listen);
  if (!mysql_listen) {
    std::cerr << "--listen: expected host:port\n";
    return 2;
  }
  sw::ConfigLoad load;
  sw::tools::ToolsConfig tools;
  std::string source;
  if (!config_file.empty()) {
    auto file = sw::tools::load_config_file(config_file);
    for (const auto& p : file.tools.problems) std::cerr << config_file << ": " << p << "\n";
    if (!file.tools.problems.empty()) return 1;
    load = std::move(file.core);
    tools = std::move(file.tools.config);
    source = config_file;
  } else if (!db_config.empty()) {
    load = sw::load_db_config_json_file(db_config, *mysql_listen);
    source = db_config;
  } else if (std::getenv("MARIADB_USER")) {
    load = sw::load_mariadb_env(&env_lookup, *mysql_listen);
    source = "environment";
  } else {
    std::cerr << "run: give --config sqlwarden.toml, --db-config db_config.json, or MARIADB_* "
                 "variables\n";
    return 2;
  }
  if (!load.ok()) {
    print_issues(load, source);
    return 1;
  }
  if (!sw::init_logging(load.config.server.log_level, load.config.server.log_format)) {
    std::cerr << "bad log level\n";
    return 1;
  }
  return sw::run_proxy(std::make_shared<const sw::Config>(std::move(load.config)), std::move(tools),
                       config_file);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sqlwarden: a SQL-aware proxy for PostgreSQL and MySQL/MariaDB"};
  app.require_subcommand(1);

  std::string config_file, db_config, listen = "127.0.0.1:6033";
  auto* run = app.add_subcommand("run", "run the proxy");
  auto* cfg_opt = run->add_option("--config,-c", config_file, "sqlwarden.toml");
  run->add_option("--db-config", db_config, "seed-style db_config.json (single MySQL tenant)")
      ->excludes(cfg_opt);
  run->add_option("--listen", listen,
                  "MySQL listen address for --db-config / MARIADB_* (default 127.0.0.1:6033)");

  std::string check_file;
  auto* check = app.add_subcommand("config-check", "validate a configuration file");
  check->add_option("file", check_file, "sqlwarden.toml")->required();

  auto* version = app.add_subcommand("version", "print versions");

  sw::policy::PolicyCheckOptions pc;
  auto* policy_check = app.add_subcommand(
      "policy-check", "judge JSON lines {\"sql\": ...} from stdin under a profile");
  policy_check->add_option("--dialect", pc.dialect, "postgres | mysql")->required();
  policy_check->add_option("--profile", pc.profile, "profile name")->required();
  policy_check->add_option("--config,-c", pc.config_file, "sqlwarden.toml with custom profiles");
  policy_check->add_option("--database", pc.database, "current database of the session");
  policy_check->add_flag("--no-backslash-escapes", pc.no_backslash_escapes,
                         "MySQL sql_mode NO_BACKSLASH_ESCAPES");
  policy_check->add_flag("--ansi-quotes", pc.ansi_quotes, "MySQL sql_mode ANSI_QUOTES");

  std::string collector_config, collector_key, collector_url;
  std::uint64_t collector_id = 0;
  auto* collector = app.add_subcommand(
      "collector", "run the slow-query collector agent (seed 001's config.json)");
  collector->add_option("--config,-c", collector_config, "config.json")->required();
  auto* id_opt = collector->add_option("--collector-id", collector_id, "overrides collector_id");
  auto* key_opt = collector->add_option("--api-key", collector_key, "overrides api_key");
  auto* url_opt = collector->add_option("--backend-url", collector_url, "overrides backend_url");

  CLI11_PARSE(app, argc, argv);
  if (*run) return cmd_run(config_file, db_config, listen);
  if (*check) return cmd_config_check(check_file);
  if (*version) return cmd_version();
  if (*collector) {
    sw::collector::agent::CommandLineOverrides o;
    if (*id_opt) o.collector_id = collector_id;
    if (*key_opt) o.api_key = collector_key;
    if (*url_opt) o.backend_url = collector_url;
    return sw::collector::agent::collector_main(collector_config, o);
  }
  if (*policy_check) return sw::policy::run_policy_check(pc, std::cin, std::cout, std::cerr);
  return 2;
}
