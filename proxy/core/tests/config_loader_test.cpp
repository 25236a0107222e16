#include "proxy/core/config_loader.hpp"

#include <map>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace sw {
namespace {

constexpr const char* kValid = R"(
[server]
workers = 2
log_level = "debug"

[admin]
listen = "127.0.0.1:8000"
allow_loopback_without_token = true
[[admin.tokens]]
name = "ops"
token = "t0ken"
role = "admin"
[[admin.tokens]]
name = "agent"
sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
role = "tools"
tenant = "default"

[pool]
size = 10

[[tenants]]
name = "default"
default_profile = "read_only"
[tenants.postgres]
listen = "127.0.0.1:6432"
backend = "127.0.0.1:15432"
[tenants.mysql]
listen = "127.0.0.1:6033"
backend = "127.0.0.1:13306"
[tenants.mysql.client_tls]
mode = "allow"
cert_file = "c.pem"
key_file = "k.pem"

[[users]]
name = "app"
password = "s3cret"
profile = "allow_all"
)";

// True when some issue has this path and mentions `needle`.
bool has_issue(const ConfigLoad& load, const std::string& path, const std::string& needle) {
  for (const auto& i : load.issues)
    if (i.path == path && i.message.find(needle) != std::string::npos) return true;
  return false;
}

std::string dump(const ConfigLoad& load) {
  std::string s;
  for (const auto& i : load.issues) s += i.to_string("t.toml") + "\n";
  return s;
}

TEST(TomlConfig, ValidFileLoads) {
  auto load = load_toml_config_text(kValid, "t.toml");
  ASSERT_TRUE(load.ok()) << dump(load);
  const Config& c = load.config;
  EXPECT_EQ(c.server.workers, 2u);
  EXPECT_EQ(c.server.log_level, "debug");
  ASSERT_EQ(c.tenants.size(), 1u);
  EXPECT_EQ(c.tenants[0].pool.size, 10u);  // inherited from [pool]
  EXPECT_EQ(c.tenants[0].default_profile, "read_only");
  ASSERT_TRUE(c.tenants[0].postgres.has_value());
  EXPECT_EQ(c.tenants[0].postgres->backend, (Endpoint{"127.0.0.1", 15432}));
  EXPECT_EQ(c.tenants[0].mysql->client_tls.mode, TlsMode::allow);
  ASSERT_NE(c.find_user("app"), nullptr);
  EXPECT_EQ(c.find_user("app")->password.reveal(), "s3cret");
}

TEST(TomlConfig, AdminTokens) {
  auto load = load_toml_config_text(kValid, "t.toml");
  ASSERT_TRUE(load.ok()) << dump(load);
  const AdminConfig& a = load.config.admin;
  EXPECT_TRUE(a.allow_loopback_without_token);
  ASSERT_EQ(a.tokens.size(), 2u);
  EXPECT_EQ(a.tokens[0].role, AdminRole::admin);
  EXPECT_EQ(a.tokens[0].token.reveal(), "t0ken");
  EXPECT_EQ(a.tokens[0].tenant, "");
  EXPECT_EQ(a.tokens[1].role, AdminRole::tools);
  EXPECT_EQ(a.tokens[1].tenant, "default");
}

TEST(TomlConfig, BadAdminTokensAreReported) {
  std::string text = std::string(kValid) + R"(
[[admin.tokens]]
name = "ops"
token = "x"
sha256 = "ABC"
role = "root"
tenant = "nope"
)";
  // The extra [[admin.tokens]] after [[users]] is still admin's array.
  auto load = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(load, "admin.tokens[2]", "exactly one of token or sha256")) << dump(load);
  EXPECT_TRUE(has_issue(load, "admin.tokens[2].sha256", "hex")) << dump(load);
  EXPECT_TRUE(has_issue(load, "admin.tokens[2].role", "root")) << dump(load);
  EXPECT_TRUE(has_issue(load, "admin.tokens[2].name", "duplicate")) << dump(load);
  EXPECT_TRUE(has_issue(load, "admin.tokens[2].tenant", "unknown tenant")) << dump(load);
  EXPECT_EQ(dump(load).find("\"x\""), std::string::npos) << "token value echoed";
}

TEST(TomlConfig, ExampleFileIsValid) {
  auto load =
      load_toml_config_file(std::string(SQLWARDEN_SOURCE_DIR) + "/config/sqlwarden.example.toml");
  EXPECT_TRUE(load.ok()) << dump(load);
}

TEST(TomlConfig, SyntaxErrorHasLine) {
  auto load = load_toml_config_text("[server]\nworkers = = 3\n", "t.toml");
  ASSERT_FALSE(load.ok());
  EXPECT_EQ(load.issues[0].line, 2u);
}

TEST(TomlConfig, UnknownKeyReportedWithPathAndLine) {
  std::string text = std::string(kValid) + "\n[server2]\nx = 1\n";
  auto load = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(load, "server2", "unknown key")) << dump(load);
  std::string nested = std::string(kValid);
  nested.replace(nested.find("workers = 2"), 11, "workrs = 2");
  load = load_toml_config_text(nested, "t.toml");
  ASSERT_TRUE(has_issue(load, "server.workrs", "unknown key")) << dump(load);
  EXPECT_EQ(load.issues[0].line, 3u);
}

TEST(TomlConfig, WrongTypes) {
  std::string text = kValid;
  text.replace(text.find("workers = 2"), 11, "workers = \"two\"");
  text.replace(text.find("size = 10"), 9, "size = true");
  auto load = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(load, "server.workers", "integer")) << dump(load);
  EXPECT_TRUE(has_issue(load, "pool.size", "integer")) << dump(load);
}

TEST(TomlConfig, PortOutOfRange) {
  std::string text = kValid;
  text.replace(text.find("127.0.0.1:6432"), 14, "127.0.0.1:70000");
  auto load = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(load, "tenants[0].postgres.listen", "port")) << dump(load);
}

TEST(TomlConfig, DuplicatePorts) {
  std::string text = kValid;
  text.replace(text.find("127.0.0.1:6033"), 14, "127.0.0.1:6432");
  auto load = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(load, "tenants[0].mysql.listen", "already used")) << dump(load);
}

TEST(TomlConfig, MissingBackend) {
  std::string text = kValid;
  text.erase(text.find("backend = \"127.0.0.1:15432\""), 27);
  auto load = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(load, "tenants[0].postgres.backend", "missing")) << dump(load);
}

TEST(TomlConfig, BadEnumAndUnknownTenantReference) {
  std::string text = std::string(kValid) + "tenants = [\"nope\"]\n";
  text.replace(text.find("log_level = \"debug\""), 19, "log_level = \"loud\"");
  auto load = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(load, "server.log_level", "not one of")) << dump(load);
  EXPECT_TRUE(has_issue(load, "users[0].tenants", "unknown tenant")) << dump(load);
}

TEST(TomlConfig, SecretsNeverInIssues) {
  std::string text = kValid;
  text.replace(text.find("password = \"s3cret\""), 19,
               "password = \"s3cret\"\npasword = \"s3cret\"");
  auto load = load_toml_config_text(text, "t.toml");
  ASSERT_FALSE(load.ok());
  for (const auto& i : load.issues) EXPECT_EQ(i.to_string("t").find("s3cret"), std::string::npos);
  EXPECT_EQ(fmt::format("{}", Secret("s3cret")), "********");
}

TEST(DbConfigJson, SeedFormatBecomesOneMysqlTenant) {
  auto load = load_db_config_json_text(R"({
    "host": "localhost", "port": 3306, "user": "exo_ai", "password": "pw",
    "database": "exo_cluster", "charset": "utf8mb4", "max_connections": 20,
    "connection_timeout": 30, "read_timeout": 60, "write_timeout": 60})",
                                       Endpoint{"127.0.0.1", 6033});
  ASSERT_TRUE(load.ok()) << dump(load);
  const auto& t = load.config.tenants.at(0);
  ASSERT_TRUE(t.mysql.has_value());
  EXPECT_EQ(t.mysql->backend, (Endpoint{"localhost", 3306}));
  EXPECT_EQ(t.mysql->default_database, "exo_cluster");
  EXPECT_EQ(t.pool.size, 20u);
  EXPECT_EQ(t.default_profile, "exo_ai");
  EXPECT_EQ(load.config.users.at(0).name, "exo_ai");
}

TEST(DbConfigJson, RejectsBadValues) {
  auto load = load_db_config_json_text(R"({"user":"u","port":99999,"colour":"red"})",
                                       Endpoint{"127.0.0.1", 6033});
  EXPECT_TRUE(has_issue(load, "port", "between")) << dump(load);
  EXPECT_TRUE(has_issue(load, "colour", "unknown key")) << dump(load);
  EXPECT_FALSE(load_db_config_json_text("not json", Endpoint{"127.0.0.1", 6033}).ok());
}

TEST(MariadbEnv, ReadsSeedVariables) {
  static std::map<std::string, std::string> env;
  env = {{"MARIADB_HOST", "db"},
         {"MARIADB_PORT", "3307"},
         {"MARIADB_USER", "exo_ai"},
         {"MARIADB_PASSWORD", "pw"},
         {"MARIADB_DATABASE", "exo_cluster"},
         {"MARIADB_MAX_CONNECTIONS", "5"}};
  auto lookup = [](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto load = load_mariadb_env(lookup, Endpoint{"127.0.0.1", 6033});
  ASSERT_TRUE(load.ok()) << dump(load);
  EXPECT_EQ(load.config.tenants[0].mysql->backend, (Endpoint{"db", 3307}));
  EXPECT_EQ(load.config.tenants[0].pool.size, 5u);
  env["MARIADB_PORT"] = "x";
  EXPECT_TRUE(
      has_issue(load_mariadb_env(lookup, Endpoint{"127.0.0.1", 6033}), "MARIADB_PORT", "integer"));
}

TEST(Endpoint, Parse) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:6432"), (Endpoint{"127.0.0.1", 6432}));
  EXPECT_EQ(parse_endpoint("[::1]:5"), (Endpoint{"::1", 5}));
  EXPECT_FALSE(parse_endpoint("127.0.0.1"));
  EXPECT_FALSE(parse_endpoint("h:0"));
  EXPECT_FALSE(parse_endpoint("h:65536"));
  EXPECT_FALSE(parse_endpoint("h:12x"));
}

}  // namespace
}  // namespace sw

namespace sw {
namespace {

TEST(TomlConfig, PostgresAuthMethod) {
  std::string text = kValid;
  auto at = text.find("backend = \"127.0.0.1:15432\"");
  text.insert(at, "auth_method = \"md5\"\n");
  auto load = load_toml_config_text(text, "t.toml");
  ASSERT_TRUE(load.ok()) << dump(load);
  EXPECT_EQ(load.config.tenants[0].postgres->auth_method, ClientAuthMethod::md5);
  EXPECT_EQ(load_toml_config_text(kValid, "t.toml").config.tenants[0].postgres->auth_method,
            ClientAuthMethod::scram_sha_256);
  text.replace(text.find("\"md5\""), 5, "\"kerberos\"");
  auto bad = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(bad, "tenants[0].postgres.auth_method", "not one of")) << dump(bad);
}

TEST(TomlConfig, PoolKeysPerTenantAndUser) {
  std::string text = kValid;
  text.replace(text.find("size = 10"), 9,
               "size = 10\nmode = \"statement\"\nreserve_size = 2\nreserve_timeout_ms = 250\n"
               "max_client_connections = 500\nserver_lifetime_seconds = 60\n"
               "server_check_query = \"select 1\"\nserver_check_interval_seconds = 5\n"
               "client_wait_timeout_ms = 1500\nstrict = true");
  text += "pool_mode = \"session\"\n";
  auto load = load_toml_config_text(text, "t.toml");
  ASSERT_TRUE(load.ok()) << dump(load);
  const Config& c = load.config;
  const PoolConfig& p = c.tenants[0].pool;
  EXPECT_EQ(p.mode, PoolMode::statement);
  EXPECT_EQ(p.reserve_size, 2u);
  EXPECT_EQ(p.reserve_timeout.count(), 250);
  EXPECT_EQ(p.max_client_connections, 500u);
  EXPECT_EQ(p.server_lifetime.count(), 60);
  EXPECT_EQ(p.server_check_query, "select 1");
  EXPECT_EQ(p.server_check_interval.count(), 5);
  EXPECT_EQ(p.client_wait_timeout.count(), 1500);
  EXPECT_TRUE(p.strict);
  EXPECT_EQ(Config::pool_mode_for(c.find_user("app"), c.tenants[0]), PoolMode::session);
  EXPECT_EQ(Config::pool_mode_for(nullptr, c.tenants[0]), PoolMode::statement);
}

TEST(TomlConfig, PoolDefaultsToTransactionModeAndRejectsBadKeys) {
  auto load = load_toml_config_text(kValid, "t.toml");
  ASSERT_TRUE(load.ok()) << dump(load);
  EXPECT_EQ(load.config.tenants[0].pool.mode, PoolMode::transaction);
  std::string text = kValid;
  text.replace(text.find("size = 10"), 9,
               "size = 10\nmode = \"pipeline\"\nclient_wait_timeout_ms = 0");
  text += "pool_mode = \"both\"\n";
  auto bad = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(bad, "pool.mode", "is not one of")) << dump(bad);
  EXPECT_TRUE(has_issue(bad, "pool.client_wait_timeout_ms", "at least 1")) << dump(bad);
  EXPECT_TRUE(has_issue(bad, "users[0].pool_mode", "is not one of")) << dump(bad);
}

TEST(TomlConfig, PoolListenKeys) {
  auto plain = load_toml_config_text(kValid, "t.toml");
  ASSERT_TRUE(plain.ok()) << dump(plain);
  EXPECT_EQ(plain.config.tenants[0].pool.listen_connections, 1u);
  EXPECT_EQ(plain.config.tenants[0].pool.listen_queue_size, 10000u);
  std::string text = kValid;
  text.replace(text.find("size = 10"), 9,
               "size = 10\nlisten_connections = 0\nlisten_queue_size = 7");
  auto set = load_toml_config_text(text, "t.toml");
  ASSERT_TRUE(set.ok()) << dump(set);
  EXPECT_EQ(set.config.tenants[0].pool.listen_connections, 0u);
  EXPECT_EQ(set.config.tenants[0].pool.listen_queue_size, 7u);
  text = kValid;
  text.replace(text.find("size = 10"), 9,
               "size = 10\nlisten_connections = 2\nlisten_queue_size = 0");
  auto bad = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(bad, "pool.listen_connections", "")) << dump(bad);
  EXPECT_TRUE(has_issue(bad, "pool.listen_queue_size", "")) << dump(bad);
}

TEST(TomlConfig, PostgresAuthQuery) {
  auto plain = load_toml_config_text(kValid, "t.toml");
  ASSERT_TRUE(plain.ok()) << dump(plain);
  EXPECT_TRUE(plain.config.tenants[0].postgres->auth_user.empty());
  EXPECT_EQ(plain.config.tenants[0].postgres->auth_query, kDefaultPgAuthQuery);

  std::string text = kValid;
  text.insert(text.find("backend = \"127.0.0.1:15432\""),
              "auth_user = \"app\"\nauth_dbname = \"postgres\"\n"
              "auth_query = \"SELECT rolname, rolpassword FROM pg_authid WHERE rolname = $1\"\n");
  auto load = load_toml_config_text(text, "t.toml");
  ASSERT_TRUE(load.ok()) << dump(load);
  const auto& pg = *load.config.tenants[0].postgres;
  EXPECT_EQ(pg.auth_user, "app");
  EXPECT_EQ(pg.auth_dbname, "postgres");
  EXPECT_EQ(pg.auth_query, "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = $1");

  std::string unknown = text;
  unknown.replace(unknown.find("auth_user = \"app\""), 17, "auth_user = \"bob\"");
  auto bad = load_toml_config_text(unknown, "t.toml");
  EXPECT_TRUE(has_issue(bad, "tenants[0].postgres.auth_user", "not a [[users]] entry"))
      << dump(bad);

  std::string verifier = text;
  verifier.replace(verifier.find("password = \"s3cret\""), 19,
                   "password = \"SCRAM-SHA-256$4096:c2FsdA==$"
                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:"
                   "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"");
  bad = load_toml_config_text(verifier, "t.toml");
  EXPECT_TRUE(has_issue(bad, "tenants[0].postgres.auth_user", "plain password")) << dump(bad);
}

TEST(TomlConfig, MysqlAuthQuery) {
  auto plain = load_toml_config_text(kValid, "t.toml");
  ASSERT_TRUE(plain.ok()) << dump(plain);
  EXPECT_EQ(plain.config.tenants[0].mysql->auth_query, kDefaultMyAuthQuery);
  std::string text = kValid;
  text.insert(text.find("backend = \"127.0.0.1:13306\""), "auth_user = \"app\"\n");
  auto load = load_toml_config_text(text, "t.toml");
  ASSERT_TRUE(load.ok()) << dump(load);
  EXPECT_EQ(load.config.tenants[0].mysql->auth_user, "app");
  std::string hashed = text;
  hashed.replace(hashed.find("password = \"s3cret\""), 19,
                 "password = \"*82F6F216C3AE6603CE11A74A610A147868802CA5\"");
  auto bad = load_toml_config_text(hashed, "t.toml");
  EXPECT_TRUE(has_issue(bad, "tenants[0].mysql.auth_user", "plain password")) << dump(bad);
}

}  // namespace
}  // namespace sw
