// Issue 14, acceptance 1 and 2: every view and action of the operator API
// against a running proxy with real clients (libpq, Connector/C) connected;
// the counts in /api/v1/clients and /metrics agree with what the test
// opened; /metrics passes `promtool check metrics`.
#include <mysql.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

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

struct MysqlDeleter {
  void operator()(MYSQL* m) const { mysql_close(m); }
};
using MysqlConn = std::unique_ptr<MYSQL, MysqlDeleter>;

MysqlConn my_connect(std::uint16_t port, const char* user) {
  MysqlConn m(mysql_init(nullptr));
  if (!mysql_real_connect(m.get(), "127.0.0.1", user, user, "exo_cluster", port, nullptr, 0))
    ADD_FAILURE() << mysql_error(m.get());
  return m;
}

json get_json(std::uint16_t port, const std::string& path, const std::string& token = "ops-secret",
              int expect = 200) {
  auto r = http_request(port, "GET", path, token);
  EXPECT_EQ(r.status, expect) << path << "\n" << r.raw;
  return json::parse(r.body, nullptr, false);
}

// Sum of the samples of one metric family whose labels contain `filter`.
double metric_sum(const std::string& text, const std::string& name,
                  const std::string& filter = "") {
  double total = 0;
  std::regex line("^" + name + "(\\{[^}]*\\})? ([0-9.e+-]+)$", std::regex::multiline);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), line); it != std::sregex_iterator();
       ++it) {
    if (!filter.empty() && (*it)[1].str().find(filter) == std::string::npos) continue;
    total += std::stod((*it)[2].str());
  }
  return total;
}

class AdminViews : public ::testing::Test {
 protected:
  ProxyProcess proxy{"admin-views", admin_test_options()};
};

TEST_F(AdminViews, ClientsAndMetricsAgreeWithWhatIsOpen) {
  auto port = proxy.admin_port();
  std::vector<PgConn> pgs;
  for (int i = 0; i < 3; ++i) {
    pgs.push_back(pg_connect(proxy.pg_port(), i == 0 ? "exo_ai" : "app", "exo_cluster",
                             "application_name=admin-test"));
    ASSERT_EQ(PQstatus(pgs.back().get()), CONNECTION_OK) << PQerrorMessage(pgs.back().get());
    EXPECT_EQ(pg_value(pgs.back().get(), "select count(*) from ai_models"), "6");
  }
  std::vector<MysqlConn> mys;
  for (int i = 0; i < 2; ++i) {
    mys.push_back(my_connect(proxy.my_port(), "app"));
    ASSERT_EQ(mysql_query(mys.back().get(), "select count(*) from cluster_nodes"), 0);
    mysql_free_result(mysql_store_result(mys.back().get()));
  }
  // A denial and a backend error, to see them counted.
  auto denied = pg_exec(pgs[0].get(), "drop table ai_models");
  EXPECT_EQ(sqlstate(denied.get()), "42501");
  auto missing = pg_exec(pgs[1].get(), "select * from no_such_table");
  EXPECT_EQ(sqlstate(missing.get()), "42P01");
  EXPECT_NE(mysql_query(mys[0].get(), "select * from no_such_table"), 0);

  json clients = get_json(port, "/api/v1/clients", "read-secret");
  ASSERT_EQ(clients["count"], 5) << clients.dump(2);
  int pg_count = 0, my_count = 0;
  for (const auto& c : clients["clients"]) {
    (c["protocol"] == "postgres" ? pg_count : my_count)++;
    EXPECT_EQ(c["tenant"], "default");
    EXPECT_EQ(c["database"], "exo_cluster");
    EXPECT_EQ(c["state"], "idle");
    EXPECT_EQ(c["address"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
  }
  EXPECT_EQ(pg_count, 3);
  EXPECT_EQ(my_count, 2);
  std::string first_id = std::to_string(clients["clients"][0]["id"].get<std::uint64_t>());
  EXPECT_EQ(get_json(port, "/api/v1/clients/" + first_id)["id"].get<std::uint64_t>(),
            std::stoull(first_id));
  get_json(port, "/api/v1/clients/999999", "ops-secret", 404);

  auto metrics = http_request(port, "GET", "/metrics", "read-secret");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  const std::string& m = metrics.body;
  EXPECT_EQ(metric_sum(m, "sqlwarden_client_connections"), 5) << m;
  EXPECT_EQ(metric_sum(m, "sqlwarden_client_connections", "protocol=\"postgres\""), 3) << m;
  EXPECT_EQ(metric_sum(m, "sqlwarden_client_connections", "protocol=\"mysql\""), 2) << m;
  EXPECT_EQ(metric_sum(m, "sqlwarden_client_logins_total"), 5) << m;
  EXPECT_GE(metric_sum(m, "sqlwarden_statements_total", "kind=\"select\""), 5) << m;
  EXPECT_EQ(metric_sum(m, "sqlwarden_denials_total"), 1) << m;
  EXPECT_EQ(metric_sum(m, "sqlwarden_backend_errors_total", "class=\"42\""), 2) << m;
  EXPECT_GE(metric_sum(m, "sqlwarden_request_duration_seconds_count"), 6) << m;
  EXPECT_GT(metric_sum(m, "sqlwarden_client_sent_bytes_total"), 0) << m;
  EXPECT_GT(metric_sum(m, "sqlwarden_client_received_bytes_total"), 0) << m;
  EXPECT_GE(metric_sum(m, "sqlwarden_transactions_total"), 5) << m;
  EXPECT_EQ(metric_sum(m, "sqlwarden_build_info"), 1) << m;

  // promtool's strict parser and linter.
  std::string file = proxy.dir() + "/metrics.txt";
  std::ofstream(file) << m;
  auto check = run_command("promtool check metrics < " + shell_quote(file));
  EXPECT_EQ(check.exit_code, 0) << check.output;

  json stats = get_json(port, "/api/v1/stats", "read-secret");
  EXPECT_EQ(stats["clients"], 5);
  EXPECT_GE(stats["statements"]["postgres"]["select"].get<double>(), 3) << stats.dump();
  EXPECT_EQ(stats["denials"]["postgres"].size(), 1u) << stats.dump();
  EXPECT_GE(stats["latency"]["mysql"]["count"].get<double>(), 2) << stats.dump();

  json pools = get_json(port, "/api/v1/pools", "read-secret");
  ASSERT_EQ(pools["pools"].size(), 3u) << pools.dump();
  EXPECT_EQ(pools["pools"][0]["name"], "default/postgres");
  EXPECT_EQ(pools["pools"][0]["clients_idle"], 3);
  EXPECT_EQ(pools["pools"][1]["clients_idle"], 2);
  json servers = get_json(port, "/api/v1/servers", "read-secret");
  EXPECT_EQ(servers["count"], 5);

  // A token scoped to another tenant sees none of these.
  EXPECT_EQ(get_json(port, "/api/v1/clients", "scoped-secret")["count"], 0);
  json scoped_pools = get_json(port, "/api/v1/pools", "scoped-secret");
  ASSERT_EQ(scoped_pools["pools"].size(), 1u);
  EXPECT_EQ(scoped_pools["pools"][0]["tenant"], "other");
  auto r = http_request(port, "POST", "/api/v1/clients/" + first_id + "/kill", "scoped-secret");
  EXPECT_EQ(r.status, 404) << r.raw;

  // Kill: read role may not, admin may; the killed client's next query fails.
  r = http_request(port, "POST", "/api/v1/clients/" + first_id + "/kill", "read-secret");
  EXPECT_EQ(r.status, 403) << r.raw;
  r = http_request(port, "POST", "/api/v1/clients/" + first_id + "/kill", "ops-secret");
  EXPECT_EQ(r.status, 200) << r.raw;
  bool one_failed = false;
  for (auto& c : pgs) one_failed = one_failed || pg_value(c.get(), "select 1") != "1";
  for (auto& c : mys) one_failed = one_failed || mysql_query(c.get(), "select 1") != 0;
  EXPECT_TRUE(one_failed);
  json after;
  for (int i = 0; i < 50; ++i) {
    after = get_json(port, "/api/v1/clients");
    if (after["count"] == 4) break;
  }
  EXPECT_EQ(after["count"], 4) << after.dump();
}

TEST_F(AdminViews, ConfigIsMaskedAndProfilesListed) {
  auto port = proxy.admin_port();
  auto r = http_request(port, "GET", "/api/v1/config", "read-secret");
  EXPECT_EQ(r.status, 403) << r.raw;  // config needs admin
  r = http_request(port, "GET", "/api/v1/config", "ops-secret");
  ASSERT_EQ(r.status, 200) << r.raw;
  json cfg = json::parse(r.body);
  EXPECT_EQ(cfg["users"][0]["password"], "********");
  EXPECT_EQ(r.body.find("ops-secret"), std::string::npos);
  EXPECT_EQ(r.body.find("\"app\",\"password\":\"app\""), std::string::npos);
  EXPECT_EQ(cfg["admin"]["tokens"].size(), 4u);
  EXPECT_EQ(cfg["tenants"][0]["pool"]["size"], 20);

  json profiles = get_json(port, "/api/v1/profiles", "read-secret");
  EXPECT_EQ(profiles["profiles"].size(), 3u);
  EXPECT_EQ(profiles["users"]["reader"]["default"], "read_only");

  json endpoints = get_json(port, "/api/v1/endpoints", "read-secret");
  EXPECT_GE(endpoints["endpoints"].size(), 15u);

  // A pool that was never used cannot be paused (PauseWaitsFor... covers pausing).
  r = http_request(port, "POST", "/api/v1/pools/default/pause", "ops-secret");
  EXPECT_EQ(r.status, 404) << r.raw;
  // Unknown fields in an action body are refused.
  r = http_request(port, "POST", "/api/v1/reload", "ops-secret", R"({"force": true})");
  EXPECT_EQ(r.status, 400) << r.raw;
}

TEST_F(AdminViews, ShutdownIsGracefulAndAdminOnly) {
  auto port = proxy.admin_port();
  auto c = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK);
  EXPECT_EQ(http_request(port, "POST", "/api/v1/shutdown", "read-secret").status, 403);
  EXPECT_EQ(http_request(port, "POST", "/api/v1/shutdown", "scoped-secret").status, 403);
  auto r = http_request(port, "POST", "/api/v1/shutdown", "ops-secret");
  EXPECT_EQ(r.status, 202) << r.raw;
  // Draining: the open session still works, new connections are refused.
  EXPECT_EQ(pg_value(c.get(), "select 1"), "1");
  c.reset();
  EXPECT_EQ(proxy.terminate(15), 0);
  EXPECT_NE(proxy.log().find("draining"), std::string::npos);
}

// PgBouncer's PAUSE / RESUME: a pause holds new transactions, waits for the
// running ones to end, and resume lets the held ones go on.
TEST_F(AdminViews, PauseWaitsForTransactionsAndHoldsNewOnes) {
  auto port = proxy.admin_port();
  auto post = [&](const std::string& path, const std::string& token = "ops-secret") {
    return http_request(port, "POST", path, token, "{}");
  };
  PgConn a = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(a.get()), CONNECTION_OK) << PQerrorMessage(a.get());
  EXPECT_EQ(pg_value(a.get(), "SELECT 1"), "1");  // the pool exists once used
  PgResult begin = pg_exec(a.get(), "BEGIN");
  EXPECT_EQ(pg_value(a.get(), "SELECT 2"), "2");  // a transaction holds a server

  expect_error(post("/api/v1/pools/nosuch/pause"), 404, "not_found");
  expect_error(post("/api/v1/pools/default/pause", "read-secret"), 403, "forbidden");
  auto partial = post("/api/v1/pools/default%2Fpostgres/pause?wait_ms=300");
  ASSERT_EQ(partial.status, 202) << partial.raw;
  EXPECT_EQ(body_json(partial)["complete"], false) << partial.body;
  EXPECT_EQ(body_json(partial)["servers_active"], 1) << partial.body;
  // The running transaction is not disturbed by the pause.
  EXPECT_EQ(pg_value(a.get(), "SELECT 3"), "3");
  PgResult commit = pg_exec(a.get(), "COMMIT");
  auto full = post("/api/v1/pools/default/pause?wait_ms=5000");
  ASSERT_EQ(full.status, 200) << full.raw;
  EXPECT_EQ(body_json(full)["complete"], true) << full.body;
  bool listed_paused = false;
  json pools = get_json(port, "/api/v1/pools");
  for (const auto& p : pools["backend_pools"])
    if (p["tenant"] == "default" && p["user"] == "app") listed_paused = p["paused"].get<bool>();
  EXPECT_TRUE(listed_paused);

  // A new statement waits while paused...
  ASSERT_EQ(PQsendQuery(a.get(), "SELECT 'after resume'"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ASSERT_EQ(PQconsumeInput(a.get()), 1);
  EXPECT_EQ(PQisBusy(a.get()), 1) << "a statement ran during the pause";
  // ...and runs after resume.
  auto resumed = post("/api/v1/pools/default/resume");
  ASSERT_EQ(resumed.status, 200) << resumed.raw;
  PgResult r(PQgetResult(a.get()));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "after resume");
  while (PGresult* more = PQgetResult(a.get())) PQclear(more);
}

}  // namespace
}  // namespace sw::test
