// Issue 17: the slow-query collector (seed 001) end to end — the agent
// (`sqlwarden collector`) against real MariaDB and PostgreSQL servers and a
// real sqlwarden receiving its batches.
//   1. MariaDB slow_log (TABLE, long_query_time 0.5): SELECT SLEEP(0.6) ×3
//      among fast queries arrive as one fingerprint with count 3, nothing else;
//   2. PostgreSQL pg_stat_statements: the same with pg_sleep(0.6); later
//      collections add nothing;
//   3. commands: stop halts, collect triggers one, start resumes,
//      update_config changes min_exec_time_ms live;
//   4. the receiving server killed during collection: nothing lost or
//      duplicated; heartbeats stopped: OFFLINE after the window;
//   5. pointed at sqlwarden's own slow log: slow statements through both
//      ports arrive once each, with the proxy's own fingerprints;
// plus the receiving API's authentication, validation and durability.
#include <fstream>
#include <iostream>
#include <set>

#include <gtest/gtest.h>

#include "tests/integration/collector_util.hpp"
#include "tests/integration/pg_util.hpp"
#include "tests/support/command.hpp"
#include "tests/support/mysql_conn.hpp"

namespace sw::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMonitorPassword = "mon-Pa55-collector";

std::string api_path(std::uint64_t id, const char* what) {
  return fmt::format("/api/v1/collectors/{}/{}", id, what);
}

CommandResult superuser_psql(const std::string& db, const std::string& sql) {
  const Servers& s = servers();
  return run_command(
      fmt::format("psql -X -q -v ON_ERROR_STOP=1 -h {} -p {} -U postgres -d {} -c {} 2>&1",
                  shell_quote(s.pg_socket_dir), s.pg_port, db, shell_quote(sql)));
}

// A fresh database with pg_stat_statements and the seed's monitoring grant.
void make_pg_database(const std::string& db) {
  auto r = superuser_psql("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = superuser_psql("postgres", "CREATE DATABASE " + db + " OWNER app");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = superuser_psql(db, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = superuser_psql("postgres", fmt::format(R"(DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'collector_mon') THEN
    CREATE ROLE collector_mon LOGIN PASSWORD '{}';
  END IF;
END $$; GRANT pg_read_all_stats TO collector_mon)",
                                             kMonitorPassword));
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

Json pg_agent_db(const std::string& db) {
  return {{"host", "127.0.0.1"},     {"port", servers().pg_port},
          {"user", "collector_mon"}, {"password", kMonitorPassword},
          {"database", db},          {"min_exec_time_ms", 500}};
}

void pg_run(PGconn* c, const std::string& sql) {
  PgResult r = pg_exec(c, sql);
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(c);
}

std::string normalized_of(const Json& queries, std::size_t i) {
  return i < queries.size() ? queries[i].value("normalized", std::string()) : std::string();
}

// --- the receiving API on its own ----------------------------------------

TEST(CollectorApi, KeysValidationIdempotenceAndRestart) {
  std::string state = make_temp_dir("collector_api_state");
  ProxyProcess backend("collector_api", collector_backend_options("collector_api", state));
  ASSERT_TRUE(backend.running());
  std::uint16_t port = backend.admin_port();

  // Registration needs an admin token.
  EXPECT_EQ(http_request(port, "POST", "/api/v1/collectors/register", "", "{}").status, 401);
  expect_error(http_request(port, "POST", "/api/v1/collectors/register", "ops-secret",
                            R"({"name": "x", "type": "oracle"})"),
               400, "bad_request");
  Registered a = register_collector(port, "mysql");
  Registered b = register_collector(port, "postgres");
  ASSERT_EQ(a.id, 1u);
  ASSERT_EQ(b.id, 2u);
  EXPECT_EQ(a.key.rfind("collector_1_", 0), 0u);
  Json list = admin_get(port, "/api/v1/collectors");
  ASSERT_EQ(list["collectors"].size(), 2u);
  EXPECT_EQ(list["collectors"][0]["status"], "OFFLINE");
  EXPECT_EQ(list.dump().find("secret"), std::string::npos) << "the DB password is not kept";
  EXPECT_EQ(list.dump().find(a.key), std::string::npos) << "the key is shown once";

  // Collector endpoints take the collector's own key, and only for its id.
  std::string hb = R"({"stats": {"queries_collected": 0}, "ack": 0})";
  EXPECT_EQ(collector_post(port, api_path(1, "heartbeat"), "", hb).status, 401);
  EXPECT_EQ(collector_post(port, api_path(1, "heartbeat"), a.key + "x", hb).status, 401);
  EXPECT_EQ(collector_post(port, api_path(1, "heartbeat"), b.key, hb).status, 401);
  EXPECT_EQ(collector_post(port, api_path(9, "heartbeat"), a.key, hb).status, 401);
  EXPECT_EQ(http_request(port, "POST", api_path(1, "heartbeat"), "ops-secret", hb).status, 401);
  HttpResult ok = collector_post(port, api_path(1, "heartbeat"), a.key, hb);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(body_json(ok)["commands"], Json::array());
  EXPECT_EQ(collector_view(port, 1)["status"], "ONLINE");

  // Commands: admin only, validated, delivered until acknowledged.
  EXPECT_EQ(
      http_request(port, "POST", api_path(1, "commands"), "", R"({"command": "stop"})").status,
      401);
  expect_error(
      http_request(port, "POST", api_path(1, "commands"), "ops-secret", R"({"command": "reboot"})"),
      400, "bad_request");
  EXPECT_EQ(post_command(port, 1, "stop"), 201);
  EXPECT_EQ(post_command(port, 77, "stop"), 404);
  Json cmds = body_json(collector_post(port, api_path(1, "heartbeat"), a.key, hb))["commands"];
  ASSERT_EQ(cmds.size(), 1u);
  EXPECT_EQ(cmds[0]["command"], "stop");
  cmds = body_json(
      collector_post(port, api_path(1, "heartbeat"), a.key,
                     fmt::format(R"({{"ack": {}}})", cmds[0]["id"].get<int>())))["commands"];
  EXPECT_EQ(cmds, Json::array());

  // Batches: validated, idempotent by batch id.
  expect_error(collector_post(port, api_path(1, "queries"), a.key, R"({"queries": []})"), 400,
               "bad_request");
  std::string batch = Json{{"batch_id", "b-1"},
                           {"source", "test"},
                           {"queries",
                            {{{"sql_text", "SELECT SLEEP(0.6)"},
                              {"query_time", 0.6},
                              {"db", "app"},
                              {"user_host", "app"}},
                             {{"sql_text", "SELECT SLEEP(0.7)"},
                              {"query_time", 0.7},
                              {"db", "app"},
                              {"user_host", "app"}}}}}
                          .dump();
  HttpResult first = collector_post(port, api_path(1, "queries"), a.key, batch);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(body_json(first)["accepted"], 2);
  HttpResult again = collector_post(port, api_path(1, "queries"), a.key, batch);
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(body_json(again)["duplicate"], true);
  Json q = received(port, 1);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0]["count"], 2);
  EXPECT_EQ(q[0]["total_time_us"], 1300000);
  EXPECT_EQ(q[0]["kind"], "select");
  EXPECT_EQ(received(port, 2), Json::array());

  // Everything survives a restart.
  backend.restart();
  ASSERT_TRUE(backend.running());
  q = received(port, 1);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0]["count"], 2);
  EXPECT_EQ(body_json(collector_post(port, api_path(1, "queries"), a.key, batch))["duplicate"],
            true);
  EXPECT_EQ(collector_post(port, api_path(1, "heartbeat"), a.key, hb).status, 200);
  EXPECT_EQ(admin_get(port, "/api/v1/collectors")["collectors"].size(), 2u);
}

// --- the agent's command line ----------------------------------------------

TEST(CollectorCli, BadConfigurationIsAClearErrorWithoutSecrets) {
  std::string dir = make_temp_dir("collector_cli");
  std::string bin = sqlwarden_binary();
  auto r = run_command(bin + " collector --config " + dir + "/missing.json 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing.json"), std::string::npos) << r.output;

  std::ofstream(dir + "/bad.json") << Json{
      {"collector_id", 1},
      {"api_key", "collector_1_topsecret"},
      {"backend_url", "http://127.0.0.1:1"},
      {"db_type", "oracle"},
      {"db_config",
       {{"password", "hunter2"}}}}.dump();
  r = run_command(bin + " collector --config " + dir + "/bad.json 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("db_type"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("topsecret"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("hunter2"), std::string::npos) << r.output;

  // Command-line values override the file: without them it lacks a key.
  std::ofstream(dir + "/partial.json")
      << Json{{"db_type", "mysql"}, {"db_config", {{"user", "x"}}}}.dump();
  r = run_command(bin + " collector --config " + dir + "/partial.json 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("collector_id"), std::string::npos) << r.output;
  r = run_command(bin + " collector --config " + dir +
                  "/partial.json --collector-id 3 --api-key k --backend-url ftp://x 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("backend_url"), std::string::npos) << r.output;
}

// --- 1. MariaDB slow_log ---------------------------------------------------

TEST(Collector, MariadbSlowLogSleepsArriveAsOneFingerprint) {
  const Servers& s = servers();
  MyRoot root;
  std::string old_log = root.scalar("SELECT @@GLOBAL.slow_query_log");
  std::string old_output = root.scalar("SELECT @@GLOBAL.log_output");
  root.exec("SET GLOBAL slow_query_log = ON");
  root.exec("SET GLOBAL log_output = 'TABLE'");
  // The seed's minimal grant.
  root.exec(fmt::format("CREATE USER IF NOT EXISTS 'collector_mon'@'%' IDENTIFIED BY '{}'",
                        kMonitorPassword));
  root.exec("GRANT SELECT ON mysql.slow_log TO 'collector_mon'@'%'");
  struct Restore {
    MyRoot& root;
    std::string log, output;
    ~Restore() {
      root.exec("SET GLOBAL slow_query_log = " + log);
      root.exec("SET GLOBAL log_output = '" + output + "'");
    }
  } restore{root, old_log, old_output};

  Harness h("collector_my", "mysql", [&](std::uint16_t) {
    return Json{{"host", "127.0.0.1"},
                {"port", s.my_port},
                {"user", "collector_mon"},
                {"password", kMonitorPassword}};
  });
  ASSERT_TRUE(h.ready()) << h.agent.log();
  std::uint16_t port = h.port;
  Registered& reg = h.reg;
  AgentProcess& agent = h.agent;

  // long_query_time 0.5 for this session (the global stays as other tests
  // expect it, so their statements stay out of the slow log).
  MyConn c;
  ASSERT_TRUE(c.connect(s.my_port)) << mysql_error(c.m);
  ASSERT_TRUE(c.run("SET SESSION long_query_time = 0.5"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.run("SELECT 1"));
    ASSERT_TRUE(c.run("SELECT SLEEP(0.6)"));
    ASSERT_TRUE(c.run("SELECT COUNT(*) FROM ai_models"));
  }
  auto ran = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return total_count(received(port, reg.id)) >= 3; }, 15s))
      << agent.log();
  // Within one collection interval (1 s) plus the slow_log lag (1 s) and a
  // heartbeat: about 2.5 s.
  auto delay = std::chrono::steady_clock::now() - ran;
  std::cout << "mysql.slow_log: arrived "
            << std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()
            << " ms after the last statement\n";
  EXPECT_LT(delay, 4s);
  std::uint64_t collections = agent_stat(collector_view(port, reg.id), "collections");
  ASSERT_TRUE(wait_collections(port, reg.id, collections + 2));
  Json q = received(port, reg.id);
  ASSERT_EQ(q.size(), 1u) << q.dump(2);
  EXPECT_EQ(q[0]["count"], 3);
  EXPECT_NE(normalized_of(q, 0).find("sleep"), std::string::npos) << q.dump(2);
  EXPECT_GE(q[0]["min_us"].get<std::uint64_t>(), 590000u);
  EXPECT_EQ(collector_view(port, reg.id)["queries_received"], 3);
  EXPECT_EQ(agent.terminate(), 0);
  EXPECT_EQ(agent.log().find(kMonitorPassword), std::string::npos);
  EXPECT_EQ(agent.log().find(reg.key), std::string::npos);
}

// --- 2 + 3. pg_stat_statements, and the commands -----------------------------

TEST(Collector, PgStatStatementsDeltasAndCommands) {
  make_pg_database("collector_pg");
  Harness h("collector_pg", "postgres", [](std::uint16_t) { return pg_agent_db("collector_pg"); });
  ASSERT_TRUE(h.ready()) << h.agent.log();
  std::uint16_t port = h.port;
  Registered& reg = h.reg;
  AgentProcess& agent = h.agent;

  PgConn c = pg_connect(servers().pg_port, "app", "collector_pg");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  for (int i = 0; i < 3; ++i) {
    pg_run(c.get(), "SELECT 1");
    pg_run(c.get(), "SELECT pg_sleep(0.6)");
    pg_run(c.get(), "SELECT count(*) FROM pg_class");
  }
  auto ran = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return total_count(received(port, reg.id)) >= 3; }, 15s))
      << agent.log();
  auto delay = std::chrono::steady_clock::now() - ran;
  std::cout << "pg_stat_statements: arrived "
            << std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()
            << " ms after the last statement\n";
  EXPECT_LT(delay, 3s);
  Json q = received(port, reg.id);
  ASSERT_EQ(q.size(), 1u) << q.dump(2);
  EXPECT_EQ(q[0]["count"], 3);
  EXPECT_NE(normalized_of(q, 0).find("pg_sleep"), std::string::npos) << q.dump(2);
  // Later collections find no new calls: nothing is added.
  std::uint64_t collections = agent_stat(collector_view(port, reg.id), "collections");
  ASSERT_TRUE(wait_collections(port, reg.id, collections + 2));
  EXPECT_EQ(received(port, reg.id), q);
  EXPECT_EQ(collector_view(port, reg.id)["queries_received"], 3);

  // stop: automatic collection halts.
  ASSERT_EQ(post_command(port, reg.id, "stop"), 201);
  ASSERT_TRUE(eventually(
      [&] { return agent_text(collector_view(port, reg.id), "state") == "stopped"; }, 10s));
  std::uint64_t stopped_at = agent_stat(collector_view(port, reg.id), "collections");
  pg_run(c.get(), "SELECT pg_sleep(0.6)");
  std::this_thread::sleep_for(2500ms);  // 2.5 collection intervals
  EXPECT_EQ(agent_stat(collector_view(port, reg.id), "collections"), stopped_at);
  EXPECT_EQ(total_count(received(port, reg.id)), 3u);

  // collect: exactly one collection, which finds the sleep.
  ASSERT_EQ(post_command(port, reg.id, "collect"), 201);
  ASSERT_TRUE(eventually([&] { return total_count(received(port, reg.id)) == 4; }, 10s));
  std::this_thread::sleep_for(1500ms);
  Json view = collector_view(port, reg.id);
  EXPECT_EQ(agent_stat(view, "collections"), stopped_at + 1);
  EXPECT_EQ(agent_text(view, "state"), "stopped");

  // start: automatic collection resumes.
  ASSERT_EQ(post_command(port, reg.id, "start"), 201);
  ASSERT_TRUE(wait_collections(port, reg.id, stopped_at + 3));

  // update_config: a 250 ms statement is below 500 ms, then above 100 ms.
  const char* shorter = "SELECT pg_sleep(0.25), 1";
  pg_run(c.get(), shorter);
  collections = agent_stat(collector_view(port, reg.id), "collections");
  ASSERT_TRUE(wait_collections(port, reg.id, collections + 2));
  EXPECT_EQ(received(port, reg.id).size(), 1u) << "below min_exec_time_ms 500";
  ASSERT_EQ(post_command(port, reg.id, "update_config", {{"min_exec_time_ms", 100}}), 201);
  ASSERT_TRUE(
      eventually([&] { return collector_view(port, reg.id)["pending_commands"] == 0; }, 10s));
  pg_run(c.get(), shorter);
  ASSERT_TRUE(eventually([&] { return received(port, reg.id).size() == 2; }, 10s)) << agent.log();
  std::uint64_t total = total_count(received(port, reg.id));
  EXPECT_EQ(total, 5u) << received(port, reg.id).dump(2);
  EXPECT_EQ(agent.terminate(), 0);
}

// --- 4. outage of the receiving server; OFFLINE ----------------------------

TEST(Collector, BackendOutageLosesAndDuplicatesNothingThenOffline) {
  make_pg_database("collector_pg_outage");
  Harness h("collector_outage", "postgres",
            [](std::uint16_t) { return pg_agent_db("collector_pg_outage"); });
  ASSERT_TRUE(h.ready()) << h.agent.log();
  std::uint16_t port = h.port;
  Registered& reg = h.reg;
  AgentProcess& agent = h.agent;
  ProxyProcess& backend = h.backend;
  PgConn c = pg_connect(servers().pg_port, "app", "collector_pg_outage");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  pg_run(c.get(), "SELECT pg_sleep(0.6)");
  pg_run(c.get(), "SELECT pg_sleep(0.6)");
  ASSERT_TRUE(eventually([&] { return total_count(received(port, reg.id)) == 2; }, 15s));

  // The receiving server dies for the issue's 30 s; slow statements keep
  // coming, spread over several collections.
  const auto outage = 30s;
  auto down_at = std::chrono::steady_clock::now();
  backend.kill_now();
  for (int i = 0; i < 3; ++i) {
    pg_run(c.get(), "SELECT pg_sleep(0.6)");
    std::this_thread::sleep_for(1200ms);
  }
  ASSERT_TRUE(eventually(
      [&] {
        Json s = agent.state();
        return s.is_object() && s["pending"].size() >= 2;
      },
      5s))
      << "unsent batches are kept on disk\n"
      << agent.log();
  std::this_thread::sleep_until(down_at + outage);
  backend.restart();
  ASSERT_TRUE(backend.running());
  // The agent's retry backoff is capped at 60 s; after 30 s down the next
  // attempt comes within about 30 s more.
  ASSERT_TRUE(eventually([&] { return total_count(received(port, reg.id)) >= 5; }, 70s))
      << agent.log();
  std::uint64_t collections = agent_stat(collector_view(port, reg.id), "collections");
  ASSERT_TRUE(wait_collections(port, reg.id, collections + 2));
  Json q = received(port, reg.id);
  ASSERT_EQ(q.size(), 1u) << q.dump(2);
  EXPECT_EQ(q[0]["count"], 5) << "nothing lost, nothing twice";
  Json view = collector_view(port, reg.id);
  EXPECT_EQ(agent_stat(view, "pending_batches"), 0u);
  EXPECT_EQ(agent_stat(view, "dropped_batches"), 0u);

  // Heartbeats stop (clean SIGTERM): ONLINE until the window passes, then OFFLINE.
  ASSERT_EQ(agent.terminate(), 0);
  EXPECT_NE(agent.log().find("stopping"), std::string::npos);
  EXPECT_EQ(collector_view(port, reg.id)["status"], "ONLINE");
  ASSERT_TRUE(eventually([&] { return collector_view(port, reg.id)["status"] == "OFFLINE"; },
                         std::chrono::seconds(kOfflineAfterSeconds + 3)));
  // OFFLINE counts from the last heartbeat the server received, which on a
  // loaded machine may be well before the stop: only the order is asserted
  // (ONLINE right after the stop, above; OFFLINE once the window passed).
  EXPECT_EQ(agent.log().find(reg.key), std::string::npos);
  EXPECT_EQ(agent.log().find(kMonitorPassword), std::string::npos);
}

// --- 5. sqlwarden's own slow log -------------------------------------------

TEST(Collector, SqlwardenSlowLogThroughBothPortsArrivesOnce) {
  Harness h("collector_self", "sqlwarden", [](std::uint16_t admin_port) {
    return Json{{"host", "127.0.0.1"},
                {"port", admin_port},
                {"password", "ops-secret"},
                {"min_exec_time_ms", 500}};
  });
  ASSERT_TRUE(h.ready()) << h.agent.log();
  std::uint16_t port = h.port;
  Registered& reg = h.reg;
  AgentProcess& agent = h.agent;
  ProxyProcess& proxy = h.backend;

  PgConn pg = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(pg.get()), CONNECTION_OK) << PQerrorMessage(pg.get());
  MyConn my;
  ASSERT_TRUE(my.connect(proxy.my_port())) << mysql_error(my.m);
  for (int i = 0; i < 2; ++i) {
    pg_run(pg.get(), "SELECT 1");
    pg_run(pg.get(), "SELECT pg_sleep(0.6)");
    ASSERT_TRUE(my.run("SELECT 1"));
    ASSERT_TRUE(my.run("SELECT SLEEP(0.6)"));
  }
  ASSERT_TRUE(eventually([&] { return total_count(received(port, reg.id)) >= 4; }, 15s))
      << agent.log();
  std::uint64_t collections = agent_stat(collector_view(port, reg.id), "collections");
  ASSERT_TRUE(wait_collections(port, reg.id, collections + 2));
  Json q = received(port, reg.id);
  ASSERT_EQ(q.size(), 2u) << q.dump(2);
  EXPECT_EQ(q[0]["count"], 2);
  EXPECT_EQ(q[1]["count"], 2);
  // The proxy's own fingerprints, as its slow log and digests show them.
  std::set<std::string> collected, slow;
  for (const auto& row : q) collected.insert(row["fingerprint"].get<std::string>());
  Json entries = admin_get(port, "/api/v1/slow?since=0")["entries"];
  EXPECT_EQ(entries.size(), 4u) << entries.dump(2);
  for (const auto& e : entries) slow.insert(e["fingerprint"].get<std::string>());
  EXPECT_EQ(collected, slow);
  EXPECT_EQ(agent.terminate(), 0);
}

}  // namespace
}  // namespace sw::test
