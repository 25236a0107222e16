// Issue 14, acceptance 3: reload by SIGHUP and POST /api/v1/reload under a
// running pgbench — a changed password, profile and pool size apply to new
// logins, existing sessions continue, a broken file is rejected with its
// config-check messages and changes nothing.
#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/admin_util.hpp"
#include "tests/integration/pg_util.hpp"
#include "tests/support/command.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"

namespace sw::test {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path + ".tmp") << text;
  std::rename((path + ".tmp").c_str(), path.c_str());
}

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

PgConn connect_as(std::uint16_t port, const std::string& user, const std::string& password) {
  return PgConn(PQconnectdb(
      fmt::format(
          "host=127.0.0.1 port={} user={} password={} dbname=exo_cluster connect_timeout=10", port,
          user, password)
          .c_str()));
}

bool wait_for_log(const ProxyProcess& proxy, const std::string& needle, std::size_t count) {
  for (int i = 0; i < 200; ++i) {
    const std::string log = proxy.log();
    std::size_t n = 0;
    for (auto at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) ++n;
    if (n >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(AdminReload, SighupAndPostUnderPgbench) {
  ProxyProcess proxy("admin-reload", admin_test_options());
  const std::string path = proxy.config_path();
  const std::string original = read_file(path);
  auto admin = proxy.admin_port();

  // pgbench as app for the whole test: no failed transaction allowed.
  std::string script = proxy.dir() + "/bench.sql";
  std::ofstream(script) << "select count(*) from ai_models;\n";
  CommandResult bench;
  std::thread bench_thread([&] {
    bench = run_command(fmt::format(
        "PGPASSWORD=app pgbench -n -h 127.0.0.1 -p {} -U app -c 4 -j 2 -T 8 -f {} exo_cluster 2>&1",
        proxy.pg_port(), script));
  });
  std::this_thread::sleep_for(std::chrono::seconds(1));

  // Sessions opened before the reload.
  auto old_reader = connect_as(proxy.pg_port(), "reader", "reader");
  ASSERT_EQ(PQstatus(old_reader.get()), CONNECTION_OK) << PQerrorMessage(old_reader.get());
  auto old_exo = connect_as(proxy.pg_port(), "exo_ai", "exo_ai");
  ASSERT_EQ(PQstatus(old_exo.get()), CONNECTION_OK);
  EXPECT_NE(pg_value(old_exo.get(), "select txid_current()").rfind("ERROR", 0), 0u);

  // 1. SIGHUP: reader's password, exo_ai's profile, the pool size.
  // The backend keeps its own password for reader; only the proxy's changes.
  std::string changed =
      replace_once(original, "name = \"reader\"\npassword = \"reader\"",
                   "name = \"reader\"\npassword = \"reader2\"\nbackend_password = \"reader\"");
  changed = replace_once(changed, "name = \"exo_ai\"\npassword = \"exo_ai\"\nprofile = \"exo_ai\"",
                         "name = \"exo_ai\"\npassword = \"exo_ai\"\nprofile = \"read_only\"");
  changed = replace_once(changed, "[[tenants]]\nname = \"default\"\n",
                         "[[tenants]]\nname = \"default\"\n[tenants.pool]\nsize = 7\n");
  write_file(path, changed);
  ASSERT_EQ(::kill(proxy.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(proxy, "configuration reloaded", 1)) << proxy.log();

  auto new_reader = connect_as(proxy.pg_port(), "reader", "reader2");
  EXPECT_EQ(PQstatus(new_reader.get()), CONNECTION_OK) << PQerrorMessage(new_reader.get());
  auto stale = connect_as(proxy.pg_port(), "reader", "reader");
  EXPECT_NE(PQstatus(stale.get()), CONNECTION_OK);
  auto new_exo = connect_as(proxy.pg_port(), "exo_ai", "exo_ai");
  ASSERT_EQ(PQstatus(new_exo.get()), CONNECTION_OK);
  // read_only denies txid_current(); exo_ai (the old profile) allowed it.
  EXPECT_EQ(pg_value(new_exo.get(), "select txid_current()").rfind("ERROR", 0), 0u);
  // Sessions from before keep going, under the snapshot they started with.
  EXPECT_EQ(pg_value(old_reader.get(), "select count(*) from ai_models"), "6");
  EXPECT_NE(pg_value(old_exo.get(), "select txid_current()").rfind("ERROR", 0), 0u);
  auto cfg = json::parse(http_request(admin, "GET", "/api/v1/config", "ops-secret").body);
  EXPECT_EQ(cfg["tenants"][0]["pool"]["size"], 7);

  // 2. A broken file over POST: 422 with config-check's messages, nothing changes.
  write_file(path, changed + "\n[server]\nworkers = \"many\"\n[[users]]\nname = \"x\"\n");
  auto r = http_request(admin, "POST", "/api/v1/reload", "ops-secret");
  EXPECT_EQ(r.status, 422) << r.raw;
  json err = json::parse(r.body, nullptr, false);
  EXPECT_EQ(err["error"]["code"], "invalid_config") << r.body;
  EXPECT_GE(err["error"]["problems"].size(), 1u) << r.body;
  auto check = run_command(build_dir() + "/sqlwarden config-check " + shell_quote(path));
  EXPECT_NE(check.exit_code, 0);
  for (const auto& p : err["error"]["problems"])
    EXPECT_NE(check.output.find(p.get<std::string>()), std::string::npos)
        << p << " not in config-check output:\n"
        << check.output;
  auto still = connect_as(proxy.pg_port(), "reader", "reader2");
  EXPECT_EQ(PQstatus(still.get()), CONNECTION_OK) << PQerrorMessage(still.get());
  // SIGHUP with the broken file: rejected too.
  ASSERT_EQ(::kill(proxy.pid(), SIGHUP), 0);
  ASSERT_TRUE(wait_for_log(proxy, "rejected", 2)) << proxy.log();

  // 3. POST with the original file: back to reader/reader.
  write_file(path, original);
  r = http_request(admin, "POST", "/api/v1/reload", "ops-secret");
  EXPECT_EQ(r.status, 200) << r.raw;
  auto back = connect_as(proxy.pg_port(), "reader", "reader");
  EXPECT_EQ(PQstatus(back.get()), CONNECTION_OK) << PQerrorMessage(back.get());

  bench_thread.join();
  EXPECT_EQ(bench.exit_code, 0) << bench.output;
  EXPECT_NE(bench.output.find("number of failed transactions: 0 "), std::string::npos)
      << bench.output;
  EXPECT_EQ(pg_value(old_reader.get(), "select 1"), "1");
}

TEST(AdminReload, AddsAndRemovesTenantListeners) {
  ProxyOptions o;
  o.admin_toml = "allow_loopback_without_token = true";
  ProxyProcess proxy("admin-reload-tenants", o);
  const std::string path = proxy.config_path();
  const std::string original = read_file(path);
  auto extra_port = free_port();
  write_file(path,
             original + fmt::format(R"(
[[tenants]]
name = "second"
[tenants.postgres]
listen = "127.0.0.1:{}"
backend = "{}"
)",
                                    extra_port, "127.0.0.1:" + std::to_string(proxy.pg_port())));
  auto r = http_request(proxy.admin_port(), "POST", "/api/v1/reload");
  ASSERT_EQ(r.status, 200) << r.raw;
  // The new tenant's listener relays to (here) the first tenant's port.
  auto c = pg_connect(extra_port, "app", "exo_cluster");
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  EXPECT_EQ(pg_value(c.get(), "select count(*) from ai_models"), "6");
  // Removing it closes the listener; the running session continues.
  write_file(path, original);
  r = http_request(proxy.admin_port(), "POST", "/api/v1/reload");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(pg_value(c.get(), "select 1"), "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the close is posted to workers
  auto refused = pg_connect(extra_port, "app", "exo_cluster");
  EXPECT_NE(PQstatus(refused.get()), CONNECTION_OK);
}

}  // namespace
}  // namespace sw::test
