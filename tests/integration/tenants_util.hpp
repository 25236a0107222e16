#pragma once
// What the tenant clone tests share: a private template database per test
// binary on both fixture servers (so cloning never waits on other tests'
// sessions in exo_cluster), a proxy with [cloning] pointing at it, and the
// admin API calls.
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/command.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {

inline constexpr const char* kOpsToken = "ops-secret";

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string psql_app(const std::string& db, const std::string& args) {
  return fmt::format(
      "PGPASSWORD=app PGCONNECT_TIMEOUT=10 psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p {} -U app "
      "-d {} {}",
      servers().pg_port, db, args);
}
inline std::string mariadb_app(const std::string& args) {
  return fmt::format(
      "mariadb --no-defaults --connect-timeout=10 -h 127.0.0.1 -P {} -u app -papp {}",
      servers().my_port, args);
}

// Creates `name` on both servers from the exo_cluster samples, plus a view,
// a procedure, a function, a trigger and an event on MariaDB so the copy has
// every kind of object to carry. Returns false (and fails the test) on error.
inline bool make_templates(const std::string& name) {
  auto fail = [](const CommandResult& r) {
    ADD_FAILURE() << r.output;
    return false;
  };
  auto r = run_command(psql_app(
      "postgres", "-c " + shell_quote("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")));
  if (r.exit_code != 0) return fail(r);
  r = run_command(psql_app("postgres", "-c " + shell_quote("CREATE DATABASE " + name)));
  if (r.exit_code != 0) return fail(r);
  r = run_command(psql_app(name, "-f " + source_dir() + "/config/samples/exo_cluster.pg.sql"));
  if (r.exit_code != 0) return fail(r);
  std::ifstream in(source_dir() + "/config/samples/exo_cluster.mysql.sql");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string sql = std::regex_replace(ss.str(), std::regex("exo_cluster"), name);
  sql = "DROP DATABASE IF EXISTS " + name + ";\n" + sql + R"(
CREATE VIEW big_models AS SELECT name, parameters FROM ai_models WHERE parameters > 1000;
CREATE VIEW big_model_names AS SELECT name FROM big_models;
DELIMITER //
CREATE PROCEDURE count_models(OUT n INT) BEGIN SELECT COUNT(*) INTO n FROM ai_models; END//
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN 2 * x//
CREATE TRIGGER models_touch BEFORE UPDATE ON ai_models FOR EACH ROW SET NEW.model_type = LOWER(NEW.model_type)//
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM ai_models WHERE 1 = 0//
DELIMITER ;
)";
  std::string file = make_temp_dir("tenant_template") + "/template.sql";
  std::ofstream(file) << sql;
  r = run_command(mariadb_app("< " + file));
  if (r.exit_code != 0) return fail(r);
  return true;
}

inline void drop_templates(const std::string& name) {
  run_command(psql_app("postgres",
                       "-c " + shell_quote("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")));
  run_command(mariadb_app("-e " + shell_quote("DROP DATABASE IF EXISTS " + name)));
}

// [cloning] for `template_db` (v1.0 on both engines), its state in
// `state_dir`, ports from a block of 100 per engine starting at `base`.
inline ProxyOptions cloning_options(const std::string& state_dir, const std::string& template_db,
                                    unsigned base, unsigned timeout_ms = 30000) {
  ProxyOptions o;
  o.extra_toml = fmt::format(R"(
[[admin.tokens]]
name = "ops"
token = "{}"
role = "admin"
[[admin.tokens]]
name = "stats"
token = "read-secret"
role = "read"

[cloning]
state_dir = "{}"
clone_timeout_ms = {}
[cloning.ports]
mysql = [{}, {}]
postgresql = [{}, {}]
[[cloning.templates]]
engine = "postgresql"
version = "v1.0"
database = "{}"
[[cloning.templates]]
engine = "mysql"
version = "v1.0"
database = "{}"
)",
                             kOpsToken, state_dir, timeout_ms, base, base + 99, base + 100,
                             base + 199, template_db, template_db);
  return o;
}

// A port block unlikely to collide with other test binaries running at
// the same time (the allocator's probe skips busy ports anyway).
inline unsigned port_block(unsigned salt) {
  return 20000 + ((static_cast<unsigned>(::getpid()) * 7 + salt * 211) % 150) * 200;
}

// http_request() with room for slow answers (a create or verify under a
// sanitizer build on a loaded machine): the socket waits 120 s, not 5.
inline HttpResult slow_request(std::uint16_t port, const std::string& method,
                               const std::string& path, const std::string& body = "") {
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                    "Authorization: Bearer " + kOpsToken + "\r\n";
  if (!body.empty() || method == "POST")
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  int fd = raw_connect(port);
  if (fd < 0) return {};
  timeval tv{120, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  HttpResult r = read_http_response(fd);
  ::close(fd);
  return r;
}

inline nlohmann::json api(std::uint16_t admin_port, const std::string& method,
                          const std::string& path, int expect_status,
                          const nlohmann::json& body = nullptr) {
  HttpResult r = slow_request(admin_port, method, path, body.is_null() ? "" : body.dump());
  EXPECT_EQ(r.status, expect_status) << method << " " << path << ": " << r.raw;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json(r.body) : j;
}

}  // namespace sw::test
