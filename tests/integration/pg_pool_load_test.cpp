// Transaction pooling under load and failure (issue 10, acceptance 1, 2 and
// 4 for PostgreSQL): 1,000 clients through a pool of 20 while the backend's
// pg_stat_activity is sampled; pgbench -M prepared through a pool of 8; a
// pooled server connection terminated mid-transaction; a backend restart
// during load.
#include <libpq-fe.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/pg_util.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

// A fresh database owned by app on the fixture, so pg_stat_activity counts
// only this test's pool.
std::string fresh_database(const std::string& stem) {
  std::string db = stem + "_" + std::to_string(::getpid());
  PgConn c = app_backend("exo_cluster");
  pg_exec(c.get(), "DROP DATABASE IF EXISTS " + db);
  PgResult r = pg_exec(c.get(), "CREATE DATABASE " + db);
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  return db;
}

void drop_database(const std::string& db) {
  PgConn c = app_backend("exo_cluster");
  pg_exec(c.get(), "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
}

// Samples how many client connections the backend serves for `db` until
// stopped. Only client backends count: autovacuum workers also carry the
// database's name (they visit the tables pgbench -i just created), and they
// are the server's own, not the pool's.
class ActivitySampler {
 public:
  explicit ActivitySampler(std::string db) : db_(std::move(db)) {
    thread_ = std::thread([this] {
      PgConn c = app_backend("exo_cluster");
      while (!stop_) {
        std::string v =
            pg_value(c.get(), "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + db_ +
                                  "' AND backend_type = 'client backend'");
        if (v.rfind("ERROR", 0) != 0) {
          int n = std::stoi(v);
          if (n > max_) {
            max_ = n;
            // What the backend saw at the peak, for a failure message.
            std::string rows = pg_value(
                c.get(),
                "SELECT string_agg(format('pid %s %s %s %s %s app=%s q=%s', pid, backend_type, "
                "state, backend_start, client_port, application_name, left(query, 40)), "
                "E'\\n') FROM pg_stat_activity WHERE datname = '" +
                    db_ + "'");
            std::lock_guard lock(mu_);
            peak_ = rows;
          }
          ++samples_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  ~ActivitySampler() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int max() const { return max_; }
  int samples() const { return samples_; }
  std::string peak() const {
    std::lock_guard lock(mu_);
    return peak_;
  }

 private:
  std::string db_;
  std::atomic<bool> stop_{false};
  std::atomic<int> max_{0};
  std::atomic<int> samples_{0};
  mutable std::mutex mu_;
  std::string peak_;
  std::thread thread_;
};

std::string pgbench(std::uint16_t port, const std::string& db, const std::string& args) {
  return fmt::format("PGPASSWORD=app PGCONNECT_TIMEOUT=30 pgbench -h 127.0.0.1 -p {} -U app {} {}",
                     port, args, db);
}

int failed_transactions(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("number of failed transactions: (\\d+)")))
    return std::stoi(m[1]);
  return -1;
}

int processed(const std::string& out) {
  std::smatch m;
  if (std::regex_search(out, m, std::regex("number of transactions actually processed: (\\d+)")))
    return std::stoi(m[1]);
  return -1;
}

TEST(PgPoolLoad, ThousandClientsPoolOfTwenty) {
  raise_fd_limit();
  std::string db = fresh_database("pool_load");
  {
    PgConn c = app_backend(db);
    PgResult r = pg_exec(c.get(),
                         "CREATE TABLE acct (id int PRIMARY KEY, bal bigint NOT NULL DEFAULT 0);"
                         "INSERT INTO acct SELECT g, 0 FROM generate_series(1, 100) g");
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  }
  ProxyOptions o;
  o.extra_toml = "[pool]\nmode = \"transaction\"\nsize = 20\n";
  o.pg_tenant_toml = "auth_method = \"trust\"";
  ProxyProcess proxy("pg_pool_1000", o);
  std::string script = proxy.dir() + "/rw.sql";
  std::ofstream(script) << "\\set id random(1, 100)\n"
                           "BEGIN;\n"
                           "UPDATE acct SET bal = bal + 1 WHERE id = :id;\n"
                           "SELECT bal FROM acct WHERE id = :id;\n"
                           "COMMIT;\n";
  ActivitySampler sampler(db);
  auto out = run_command(pgbench(proxy.pg_port(), db, "-n -c 1000 -j 4 -t 2 -f " + script));
  sampler.stop();
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_EQ(failed_transactions(out.output), 0) << out.output;
  EXPECT_EQ(processed(out.output), 2000) << out.output;
  EXPECT_GT(sampler.samples(), 3);
  EXPECT_LE(sampler.max(), 20) << "backend saw more connections than the pool size:\n"
                               << sampler.peak();
  EXPECT_GT(sampler.max(), 0);
  PgConn c = app_backend(db);
  EXPECT_EQ(pg_value(c.get(), "SELECT sum(bal) FROM acct"), "2000");
  std::printf(
      "1000 clients x 2 transactions over pool 20: max %d backend connections (%d samples)\n",
      sampler.max(), sampler.samples());
  proxy.terminate();
  drop_database(db);
}

TEST(PgPoolLoad, PgbenchPreparedOverPoolOfEight) {
  std::string db = fresh_database("pool_bench");
  auto init = run_command(pgbench(servers().pg_port, db, "-i -q -s 1"));
  ASSERT_EQ(init.exit_code, 0) << init.output;
  ProxyOptions o;
  o.extra_toml = "[pool]\nmode = \"transaction\"\nsize = 8\n";
  o.pg_tenant_toml = "auth_method = \"trust\"";
  ProxyProcess proxy("pg_pool_prepared", o);
  ActivitySampler sampler(db);
  auto out = run_command(pgbench(proxy.pg_port(), db, "-n -M prepared -c 32 -j 2 -t 20"));
  sampler.stop();
  EXPECT_EQ(out.exit_code, 0) << out.output;
  EXPECT_EQ(failed_transactions(out.output), 0) << out.output;
  EXPECT_EQ(processed(out.output), 32 * 20) << out.output;
  EXPECT_LE(sampler.max(), 8) << sampler.peak();
  std::printf(
      "pgbench -M prepared -c 32 over pool 8: %d transactions, max %d backend connections\n",
      processed(out.output), sampler.max());
  proxy.terminate();
  drop_database(db);
}

TEST(PgPoolLoad, TerminatedServerConnectionFailsOnlyItsClient) {
  ProxyOptions o;
  o.extra_toml = "[pool]\nmode = \"transaction\"\nsize = 4\n";
  ProxyProcess proxy("pg_pool_terminate", o);
  PgConn victim = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  PgConn other = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(victim.get()), CONNECTION_OK);
  ASSERT_EQ(PQstatus(other.get()), CONNECTION_OK);
  PgResult b = pg_exec(victim.get(), "BEGIN");
  std::string pid = pg_value(victim.get(), "SELECT pg_backend_pid()");
  ASSERT_EQ(pid.find("ERROR"), std::string::npos) << pid;
  // The other client works between and after.
  EXPECT_EQ(pg_value(other.get(), "SELECT 1"), "1");
  PgConn admin = app_backend("exo_cluster");
  EXPECT_EQ(pg_value(admin.get(), "SELECT pg_terminate_backend(" + pid + ")"), "t");
  PgResult r = pg_exec(victim.get(), "SELECT 1");
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_NE(std::string(PQerrorMessage(victim.get())), "");
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(pg_value(other.get(), "SELECT " + std::to_string(i)), std::to_string(i));
  PgConn fresh = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(fresh.get()), CONNECTION_OK) << PQerrorMessage(fresh.get());
  EXPECT_EQ(pg_value(fresh.get(), "SELECT 2"), "2");
}

// A private PostgreSQL (restarting the shared fixture would disturb
// parallel tests), restarted while pgbench runs through the proxy.
TEST(PgPoolLoad, BackendRestartDuringLoadRecovers) {
  std::string dir = make_temp_dir("pg_pool_restart");
  std::uint16_t port = free_port();
  std::string lib = "source " + shell_quote(source_dir() + "/scripts/lib/backends.sh") + "; ";
  std::string pgdir = shell_quote(dir + "/pg");
  auto start =
      run_command("bash -c " + shell_quote(lib + "pg_start " + pgdir + " " + std::to_string(port) +
                                           " && pg_psql " + pgdir + " " + std::to_string(port) +
                                           " postgres -f \"$SAMPLES/users.pg.sql\" && pg_psql " +
                                           pgdir + " " + std::to_string(port) +
                                           " postgres -c 'CREATE DATABASE bench OWNER app'"));
  ASSERT_EQ(start.exit_code, 0) << start.output;
  auto stop = [&] { run_command("bash -c " + shell_quote(lib + "pg_stop " + pgdir)); };
  auto init = run_command(pgbench(port, "bench", "-i -q -s 1"));
  ASSERT_EQ(init.exit_code, 0) << init.output;

  ProxyOptions o;
  o.pg_backend_port = port;
  o.extra_toml = "[pool]\nmode = \"transaction\"\nsize = 6\nclient_wait_timeout_ms = 20000\n";
  ProxyProcess proxy("pg_pool_restart_proxy", o);
  std::thread load([&] {
    // Errors during the restart are expected; the point is what follows.
    run_command(pgbench(proxy.pg_port(), "bench", "-n -c 8 -j 2 -T 6"));
  });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto restart = run_command("bash -c " + shell_quote(lib + "pg_stop " + pgdir + " && pg_start " +
                                                      pgdir + " " + std::to_string(port)));
  EXPECT_EQ(restart.exit_code, 0) << restart.output;
  load.join();
  // After recovery, without restarting the proxy: new clients work, and
  // every pooled connection is a live one (each query may land on any).
  PgConn c = pg_connect(proxy.pg_port(), "app", "bench");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(pg_value(c.get(), "SELECT count(*) > 0 FROM pgbench_branches"), "t") << i;
  }
  auto after = run_command(pgbench(proxy.pg_port(), "bench", "-n -c 6 -j 2 -t 20"));
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_EQ(failed_transactions(after.output), 0) << after.output;
  proxy.terminate();
  stop();
}

}  // namespace
}  // namespace sw::test
