// Tenant clones (issue 16, seed 003), against the fixture's real servers:
// 10 PostgreSQL and 10 MariaDB tenants created 10 at a time (distinct
// ports), each reachable on its own port with its own credentials via psql
// and the mariadb CLI, list / ports / system status, verify (and a broken
// clone that verify catches), stop / start, a proxy restart that brings
// every tenant port back, sqlwarden-ctl, remove.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "tests/integration/pg_util.hpp"
#include "tests/integration/tenants_util.hpp"

namespace sw::test {
namespace {

using nlohmann::json;

struct Tenant {
  std::string id, engine, database, user, password;
  std::uint16_t port = 0;
};

// SELECT of the current database through the tenant's own port, as the
// tenant, with the real CLI.
CommandResult whoami(const Tenant& t) {
  if (t.engine == "postgresql")
    return run_command(fmt::format(
        "PGPASSWORD={} PGCONNECT_TIMEOUT=10 psql -X -At -h 127.0.0.1 -p {} -U {} -d {} -c {}",
        t.password, t.port, t.user, t.database, shell_quote("SELECT current_database()")));
  return run_command(fmt::format(
      "mariadb --no-defaults --connect-timeout=10 -N -B -h 127.0.0.1 -P {} -u {} -p{} {} -e {}",
      t.port, t.user, t.password, t.database, shell_quote("SELECT DATABASE()")));
}

std::string ctl(std::uint16_t admin_port, const std::string& args, int* exit_code = nullptr) {
  auto r = run_command(fmt::format("{}/sqlwarden-ctl --url http://127.0.0.1:{} --token {} {}",
                                   build_dir(), admin_port, kOpsToken, args));
  if (exit_code) *exit_code = r.exit_code;
  return r.output;
}

class Tenants : public ::testing::Test {
 protected:
  void SetUp() override {
    tpl_ = fmt::format("sw_tpl_tenants_{}", ::getpid());
    ASSERT_TRUE(make_templates(tpl_));
    state_ = make_temp_dir("tenants_state");
    base_ = port_block(1);
  }
  void TearDown() override { drop_templates(tpl_); }

  // 10 creates at once: every one succeeds, each on its own port.
  std::vector<Tenant> create_many(std::uint16_t admin, const std::string& engine,
                                  const std::string& prefix) {
    std::vector<Tenant> out(10);
    std::vector<std::thread> threads;
    for (int i = 0; i < 10; ++i)
      threads.emplace_back([&, i] {
        std::string id = fmt::format("{}{:02}", prefix, i);
        HttpResult r = slow_request(
            admin, "POST", "/api/v1/cloning/create",
            json{{"tenant_id", id}, {"database_type", engine}, {"root_version", "v1.0"}}.dump());
        auto j = json::parse(r.body, nullptr, false);
        if (r.status != 201 || j.is_discarded()) {
          ADD_FAILURE() << id << ": " << r.raw;
          return;
        }
        const json& c = j["clone"];
        out[i] = {id,
                  engine,
                  c["database"].get<std::string>(),
                  c["user"].get<std::string>(),
                  c["password"].get<std::string>(),
                  c["port"].get<std::uint16_t>()};
      });
    for (auto& t : threads) t.join();
    return out;
  }

  std::string tpl_, state_;
  unsigned base_ = 0;
};

TEST_F(Tenants, TwentyClonesIsolatedVerifiedAndBackAfterRestart) {
  std::vector<Tenant> tenants;
  std::string log_so_far;
  {
    ProxyProcess proxy("tenants", cloning_options(state_, tpl_, base_));
    ASSERT_TRUE(proxy.running());
    const auto admin = proxy.admin_port();
    auto start = std::chrono::steady_clock::now();
    auto pg = create_many(admin, "postgresql", "pg");
    auto my = create_many(admin, "mysql", "my");
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::cout << "20 clones created in " << took.count() << " ms\n";
    tenants = pg;
    tenants.insert(tenants.end(), my.begin(), my.end());
    std::set<std::uint16_t> ports;
    for (const auto& t : tenants) {
      ASSERT_FALSE(t.password.empty()) << t.id;
      ports.insert(t.port);
      if (t.engine == "mysql")
        EXPECT_TRUE(t.port >= base_ && t.port <= base_ + 99) << t.port;
      else
        EXPECT_TRUE(t.port >= base_ + 100 && t.port <= base_ + 199) << t.port;
      EXPECT_EQ(t.database, "tenant_" + t.id + "_db");
    }
    EXPECT_EQ(ports.size(), 20u) << "ports must be distinct";

    for (const auto& t : tenants) {
      auto r = whoami(t);
      EXPECT_EQ(r.exit_code, 0) << t.id << ": " << r.output;
      EXPECT_EQ(r.output, t.database + "\n") << t.id;
    }
    // The data came along.
    auto rows = run_command(
        fmt::format("PGPASSWORD={} psql -X -At -h 127.0.0.1 -p {} -U {} -d {} -c 'SELECT count(*) "
                    "FROM cluster_nodes'",
                    tenants[0].password, tenants[0].port, tenants[0].user, tenants[0].database));
    EXPECT_EQ(rows.output, "5\n");
    rows = run_command(fmt::format(
        "mariadb --no-defaults -N -B -h 127.0.0.1 -P {} -u {} -p{} {} -e 'SELECT COUNT(*) FROM "
        "big_model_names; CALL count_models(@n); SELECT twice(21), COUNT(*) FROM "
        "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()'",
        my[0].port, my[0].user, my[0].password, my[0].database));
    EXPECT_EQ(rows.exit_code, 0) << rows.output;
    EXPECT_NE(rows.output.find("42\t1"), std::string::npos) << rows.output;

    // Another tenant's credentials do not open this tenant's port.
    Tenant wrong = pg[0];
    wrong.user = pg[1].user;
    wrong.password = pg[1].password;
    EXPECT_NE(whoami(wrong).exit_code, 0);
    // Nor do the file's users.
    Tenant app = my[0];
    app.user = "app";
    app.password = "app";
    EXPECT_NE(whoami(app).exit_code, 0);

    json list = api(admin, "GET", "/api/v1/cloning/list", 200);
    EXPECT_EQ(list["total"], 20);
    for (const auto& c : list["clones"]) {
      EXPECT_EQ(c["status"], "active");
      EXPECT_TRUE(c["listening"].get<bool>());
      EXPECT_FALSE(c.contains("password"));
    }
    json p = api(admin, "GET", "/api/v1/cloning/ports", 200);
    EXPECT_EQ(p["active_allocations"], 20);
    EXPECT_EQ(p["by_type"]["mysql"]["active"], 10);
    EXPECT_EQ(p["by_type"]["postgresql"]["active"], 10);
    EXPECT_EQ(p["allocations"].size(), 20u);
    json sys = api(admin, "GET", "/api/v1/cloning/system/status", 200);
    EXPECT_EQ(sys["total_clones"], 20);
    EXPECT_EQ(sys["active_clones"], 20);
    EXPECT_EQ(sys["failed_clones"], 0);
    json st = api(admin, "GET", "/api/v1/cloning/status/" + pg[3].id, 200);
    EXPECT_EQ(st["port"], pg[3].port);
    api(admin, "GET", "/api/v1/cloning/status/nobody", 404);
    // Bad input is a clear 400; a taken id is 409; read tokens are refused.
    api(admin, "POST", "/api/v1/cloning/create", 400,
        {{"tenant_id", "Bad-Id"}, {"db_type", "mysql"}});
    api(admin, "POST", "/api/v1/cloning/create", 400,
        {{"tenant_id", "ok1"}, {"db_type", "mongodb"}});
    api(admin, "POST", "/api/v1/cloning/create", 400,
        {{"tenant_id", "ok1"}, {"db_type", "mysql"}, {"root_version", "v9"}});
    api(admin, "POST", "/api/v1/cloning/create", 409,
        {{"tenant_id", pg[0].id}, {"db_type", "postgresql"}});
    EXPECT_EQ(http_request(admin, "GET", "/api/v1/cloning/list", "read-secret").status, 403);

    // verify passes everywhere.
    for (const auto& t : tenants) {
      json v = api(admin, "GET", "/api/v1/cloning/verify/" + t.id, 200);
      EXPECT_TRUE(v["is_verified"].get<bool>()) << t.id << ": " << v.dump(2);
      EXPECT_GE(v["total_tests"].get<int>(), 9) << v.dump(2);
    }
    // A broken clone: an extra grant on another tenant's database.
    auto g = run_command(
        psql_app("postgres", "-c " + shell_quote(fmt::format("GRANT CONNECT ON DATABASE {} TO {}",
                                                             pg[1].database, pg[0].user))));
    ASSERT_EQ(g.exit_code, 0) << g.output;
    json bad = api(admin, "GET", "/api/v1/cloning/verify/" + pg[0].id, 200);
    EXPECT_FALSE(bad["is_verified"].get<bool>()) << bad.dump(2);
    EXPECT_NE(bad["failures"].dump().find(
                  fmt::format("CONNECT on database {} granted to {}", pg[1].database, pg[0].user)),
              std::string::npos)
        << bad.dump(2);
    g = run_command(mariadb_app("-e " + shell_quote(fmt::format("GRANT SELECT ON {}.* TO '{}'@'%'",
                                                                my[1].database, my[0].user))));
    ASSERT_EQ(g.exit_code, 0) << g.output;
    bad = api(admin, "GET", "/api/v1/cloning/verify/" + my[0].id, 200);
    EXPECT_FALSE(bad["is_verified"].get<bool>()) << bad.dump(2);
    EXPECT_NE(bad["failures"].dump().find(
                  fmt::format("unexpected grant: GRANT SELECT ON `{}`.*", my[1].database)),
              std::string::npos)
        << bad.dump(2);
    int code = 0;
    std::string out = ctl(admin, "verify " + my[0].id, &code);
    EXPECT_EQ(code, 1) << out;
    EXPECT_NE(out.find("❌ backend_no_foreign_grants"), std::string::npos) << out;

    // sqlwarden-ctl: seed 003's commands and output.
    out = ctl(admin, "status", &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find("Database Cloning System Status"), std::string::npos) << out;
    EXPECT_NE(out.find("Total Clones: 20"), std::string::npos) << out;
    EXPECT_NE(out.find("mysql: 10 active"), std::string::npos) << out;
    out = ctl(admin, "list", &code);
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find(pg[5].database), std::string::npos) << out;
    out = ctl(admin, "--json ports", &code);
    EXPECT_EQ(json::parse(out, nullptr, false)["active_allocations"], 20) << out;
    out = ctl(admin, "verify " + pg[4].id, &code);
    EXPECT_EQ(code, 0) << out;

    // stop drains the tenant's clients: an open session is closed.
    PgConn open_session(PQconnectdb(
        fmt::format("host=127.0.0.1 port={} user={} password={} dbname={} connect_timeout=10",
                    pg[2].port, pg[2].user, pg[2].password, pg[2].database)
            .c_str()));
    ASSERT_EQ(PQstatus(open_session.get()), CONNECTION_OK) << PQerrorMessage(open_session.get());
    EXPECT_EQ(pg_value(open_session.get(), "SELECT 1"), "1");
    api(admin, "POST", "/api/v1/cloning/stop/" + pg[2].id, 200);
    EXPECT_NE(pg_value(open_session.get(), "SELECT 1"), "1");
    api(admin, "POST", "/api/v1/cloning/start/" + pg[2].id, 200);
    EXPECT_EQ(whoami(pg[2]).output, pg[2].database + "\n");

    // stop closes the port, start opens it again.
    out = ctl(admin, "stop " + my[2].id, &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(whoami(my[2]).exit_code, 0);
    EXPECT_EQ(api(admin, "GET", "/api/v1/cloning/status/" + my[2].id, 200)["status"], "stopped");
    out = ctl(admin, "start " + my[2].id, &code);
    EXPECT_EQ(code, 0) << out;
    EXPECT_EQ(whoami(my[2]).output, my[2].database + "\n");
    log_so_far = proxy.log();
  }

  // The password never reaches the registry or the log in clear.
  std::string registry = read_file(state_ + "/clone_registry.json");
  ASSERT_FALSE(registry.empty());
  for (const auto& t : tenants) {
    EXPECT_EQ(registry.find(t.password), std::string::npos) << t.id;
    EXPECT_EQ(log_so_far.find(t.password), std::string::npos) << t.id;
  }

  // A new process on the same state: every tenant port serves again.
  ProxyProcess again("tenants_again", cloning_options(state_, tpl_, base_));
  ASSERT_TRUE(again.running());
  for (const auto& t : tenants) {
    auto r = whoami(t);
    EXPECT_EQ(r.output, t.database + "\n") << t.id << ": " << r.output;
  }
  // remove releases the port and drops the clone; --force tolerates what is gone.
  int code = 0;
  std::string out = ctl(again.admin_port(), "remove --yes " + tenants[0].id, &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(whoami(tenants[0]).exit_code, 0);
  auto gone = run_command(psql_app(
      "postgres", "-At -c " + shell_quote("SELECT count(*) FROM pg_database WHERE datname = '" +
                                          tenants[0].database + "'")));
  EXPECT_EQ(gone.output, "0\n");
  api(again.admin_port(), "DELETE", "/api/v1/cloning/remove/" + tenants[0].id, 404);
  run_command(mariadb_app("-e " + shell_quote("DROP DATABASE " + tenants[15].database)));
  api(again.admin_port(), "DELETE", "/api/v1/cloning/remove/" + tenants[15].id, 502);
  api(again.admin_port(), "DELETE", "/api/v1/cloning/remove/" + tenants[15].id + "?force=true",
      200);
  for (std::size_t i = 1; i < tenants.size(); ++i)
    if (i != 15) api(again.admin_port(), "DELETE", "/api/v1/cloning/remove/" + tenants[i].id, 200);
  json p = api(again.admin_port(), "GET", "/api/v1/cloning/ports", 200);
  EXPECT_EQ(p["active_allocations"], 0) << p.dump(2);
  // The same id can be created again, on a released port (the lowest).
  std::uint16_t lowest = 65535;
  for (std::size_t i = 0; i < 10; ++i) lowest = std::min(lowest, tenants[i].port);
  json made = api(again.admin_port(), "POST", "/api/v1/cloning/create", 201,
                  {{"tenant_id", tenants[0].id}, {"db_type", "postgresql"}});
  EXPECT_EQ(made["clone"]["port"], lowest);
  api(again.admin_port(), "DELETE", "/api/v1/cloning/remove/" + tenants[0].id, 200);
}

// Acceptance 5 (bench/RESULTS.md): time to clone a ~100 MB template on each
// engine. Slow, so only with SW_CLONE_BENCH=1.
TEST_F(Tenants, CloneTimeOfA100MBTemplate) {
  if (!std::getenv("SW_CLONE_BENCH")) GTEST_SKIP() << "set SW_CLONE_BENCH=1 to run";
  auto r = run_command(psql_app(
      tpl_, "-c " + shell_quote("CREATE TABLE bulk AS SELECT g AS id, md5(g::text) || repeat('x', "
                                "200) AS payload FROM generate_series(1, 400000) g; "
                                "ALTER TABLE bulk ADD PRIMARY KEY (id)")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command(mariadb_app(
      tpl_ + " -e " +
      shell_quote("CREATE TABLE bulk (id INT PRIMARY KEY, payload VARCHAR(300)) ENGINE=InnoDB; "
                  "INSERT INTO bulk SELECT seq, CONCAT(MD5(seq), REPEAT('x', 200)) FROM "
                  "seq_1_to_400000")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto pg_size = run_command(psql_app(
      tpl_,
      "-At -c " + shell_quote("SELECT pg_size_pretty(pg_database_size(current_database()))")));
  auto my_size = run_command(mariadb_app(
      "-N -B -e " + shell_quote("SELECT CONCAT(ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576), "
                                "' MB') FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                                tpl_ + "'")));
  ProxyProcess proxy("tenants_bench", cloning_options(state_, tpl_, base_, 600000));
  for (const char* engine : {"postgresql", "mysql"}) {
    std::string id = std::string("bench_") + (engine[0] == 'p' ? "pg" : "my");
    json made = api(proxy.admin_port(), "POST", "/api/v1/cloning/create", 201,
                    {{"tenant_id", id}, {"db_type", engine}});
    std::cout << "clone of a template of " << (engine[0] == 'p' ? pg_size.output : my_size.output)
              << "  " << engine << ": " << made["clone_time_ms"] << " ms\n";
    api(proxy.admin_port(), "DELETE", "/api/v1/cloning/remove/" + id, 200);
  }
}

}  // namespace
}  // namespace sw::test
