// MySQL pooling under load (issue 10, acceptance 1 and 4 for MySQL):
// 1,000 clients through a transaction-mode pool of size 20, each running a
// short read-write transaction loop: zero errors, and the backend never
// sees more than 20 connections of the pool (sampled from PROCESSLIST all
// along). Then a pooled server connection is KILLed on the server in the
// middle of a client's transaction: only that client errors, the others
// carry on, and the pool refills. Last, a backend restart during load.
#include <mysql.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/mysql_conn.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

constexpr int clients = 1000;
constexpr int threads = 40;
constexpr int pool_size = 20;
constexpr const char* user = "sw_pool_load";

struct Conn : MyConn {
  bool connect(std::uint16_t port) { return MyConn::connect(port, user, user); }
};

struct Admin : MyRoot {
  int pool_connections() {
    std::string n = scalar(
        fmt::format("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '{}'", user));
    return n.find_first_not_of("0123456789") == std::string::npos ? std::stoi(n) : -1;
  }
};

// Samples the backend's view of the pool until stopped; keeps the maximum.
class Sampler {
 public:
  Sampler()
      : thread_([this] {
          Admin admin;
          while (!stop_) {
            max_ = std::max(max_.load(), admin.pool_connections());
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
        }) {}
  ~Sampler() { stop(); }
  int stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return max_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> max_{0};
  std::thread thread_;
};

class MyPoolLoad : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // 1,000 client sockets here and as many in the proxy (a child: it
    // inherits the limit).
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = std::max<rlim_t>(r.rlim_cur, std::min<rlim_t>(r.rlim_max, 8192));
    setrlimit(RLIMIT_NOFILE, &r);
    Admin admin;
    admin.exec(fmt::format("DROP USER IF EXISTS {}", user));
    admin.exec(fmt::format("CREATE USER {0} IDENTIFIED BY '{0}'", user));
    admin.exec(fmt::format("GRANT ALL ON exo_cluster.* TO {}", user));
    admin.exec("DROP TABLE IF EXISTS exo_cluster.sw_pool_load");
    admin.exec("CREATE TABLE exo_cluster.sw_pool_load (id INT PRIMARY KEY, n INT NOT NULL)");
    admin.exec("INSERT INTO exo_cluster.sw_pool_load SELECT seq, 0 FROM exo_cluster.seq_1_to_1000");
    proxy_ = new ProxyProcess("my_pool_load", extra_toml_options(fmt::format(R"(
[[users]]
name = "{0}"
password = "{0}"

[tenants.pool]
mode = "transaction"
size = {1}
client_wait_timeout_ms = 60000
)",
                                                                             user, pool_size)));
  }
  static void TearDownTestSuite() {
    delete proxy_;
    proxy_ = nullptr;
    Admin admin;
    admin.exec("DROP TABLE IF EXISTS exo_cluster.sw_pool_load");
    admin.exec(fmt::format("DROP USER IF EXISTS {}", user));
  }
  static ProxyProcess* proxy_;
};
ProxyProcess* MyPoolLoad::proxy_ = nullptr;

TEST_F(MyPoolLoad, ThousandClientsOverTwentyConnections) {
  Sampler sampler;
  std::vector<std::unique_ptr<Conn>> conns(clients);
  std::atomic<int> errors{0};
  std::atomic<int> transactions{0};
  std::string first_error;
  std::mutex error_mutex;
  auto fail = [&](Conn& c, const char* what) {
    if (errors++ == 0) {
      std::lock_guard lock(error_mutex);
      first_error = std::string(what) + ": " + mysql_error(c.m);
    }
  };
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = t; i < clients; i += threads) {
        conns[i] = std::make_unique<Conn>();
        if (!conns[i]->connect(proxy_->my_port())) fail(*conns[i], "connect");
      }
      for (int round = 0; round < 2; ++round) {
        for (int i = t; i < clients; i += threads) {
          Conn& c = *conns[i];
          int id = i + 1;
          bool ok = c.run("BEGIN") &&
                    c.run(fmt::format("UPDATE sw_pool_load SET n = n + 1 WHERE id = {}", id)) &&
                    c.scalar(fmt::format("SELECT n FROM sw_pool_load WHERE id = {}", id)) ==
                        std::to_string(round + 1) &&
                    c.run("COMMIT");
          if (ok)
            ++transactions;
          else
            fail(c, "transaction");
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  int max_seen = sampler.stop();
  std::cout << clients << " clients, " << transactions << " transactions in " << seconds
            << " s; the backend saw at most " << max_seen << " pool connections\n";
  EXPECT_EQ(errors, 0) << first_error;
  EXPECT_EQ(transactions, clients * 2);
  EXPECT_GT(max_seen, 0);
  EXPECT_LE(max_seen, pool_size);
  Admin admin;
  EXPECT_EQ(admin.scalar("SELECT SUM(n) FROM exo_cluster.sw_pool_load"),
            std::to_string(clients * 2));
}

TEST_F(MyPoolLoad, KilledServerConnectionFailsOnlyItsClient) {
  Conn victim;
  ASSERT_TRUE(victim.connect(proxy_->my_port())) << mysql_error(victim.m);
  ASSERT_TRUE(victim.run("BEGIN"));
  ASSERT_TRUE(victim.run("UPDATE sw_pool_load SET n = n WHERE id = 1"));
  std::string thread = victim.scalar(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%sw-kill-load-marker%'");
  ASSERT_EQ(thread.find_first_not_of("0123456789"), std::string::npos) << thread;

  // Others keep working while the victim's server connection dies.
  std::atomic<bool> stop{false};
  std::atomic<int> other_errors{0}, other_ok{0};
  std::vector<std::thread> others;
  for (int t = 0; t < 8; ++t) {
    others.emplace_back([&, t] {
      Conn c;
      if (!c.connect(proxy_->my_port())) {
        ++other_errors;
        return;
      }
      while (!stop) {
        bool ok = c.run("BEGIN") &&
                  c.run(fmt::format("UPDATE sw_pool_load SET n = n WHERE id = {}", 100 + t)) &&
                  c.run("COMMIT");
        ok ? ++other_ok : ++other_errors;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Admin admin;
  admin.exec("KILL " + thread);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(victim.run("UPDATE sw_pool_load SET n = n WHERE id = 2"));
  std::cout << "victim: " << mysql_errno(victim.m) << " " << mysql_error(victim.m) << "\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop = true;
  for (auto& t : others) t.join();
  EXPECT_EQ(other_errors, 0);
  EXPECT_GT(other_ok, 0);

  // The pool refilled: a full pool's worth of new clients work at once.
  std::vector<std::thread> fresh;
  std::atomic<int> fresh_ok{0};
  for (int t = 0; t < pool_size; ++t) {
    fresh.emplace_back([&] {
      Conn c;
      if (c.connect(proxy_->my_port()) && c.run("BEGIN") && c.run("SELECT SLEEP(0.2)") &&
          c.run("COMMIT"))
        ++fresh_ok;
    });
  }
  for (auto& t : fresh) t.join();
  EXPECT_EQ(fresh_ok, pool_size);
  EXPECT_LE(admin.pool_connections(), pool_size);
}

// A private MariaDB (restarting the shared fixture would disturb parallel
// tests), restarted while clients loop through the proxy: the proxy
// recovers without a restart, and afterwards every pooled connection it
// lends is a live one.
TEST(MyPoolRestart, BackendRestartDuringLoadRecovers) {
  std::string dir = make_temp_dir("my_pool_restart");
  std::uint16_t port = free_port();
  std::string lib = "source " + shell_quote(source_dir() + "/scripts/lib/backends.sh") + "; ";
  std::string mdir = shell_quote(dir + "/maria");
  auto start = run_command("bash -c " +
                           shell_quote(lib + "maria_start " + mdir + " " + std::to_string(port) +
                                       " && maria_load_samples " + mdir));
  ASSERT_EQ(start.exit_code, 0) << start.output;
  struct Stop {
    std::string cmd;
    ~Stop() { run_command(cmd); }
  } stop{"bash -c " + shell_quote(lib + "maria_stop " + mdir)};

  ProxyOptions o;
  o.my_backend_port = port;
  o.extra_toml = "[pool]\nmode = \"transaction\"\nsize = 6\nclient_wait_timeout_ms = 20000\n";
  ProxyProcess proxy("my_pool_restart_proxy", o);

  std::atomic<bool> done{false};
  std::atomic<int> ok_before{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 8; ++t) {
    load.emplace_back([&] {
      // Errors during the restart are expected; a client whose connection
      // failed reconnects, as an application would.
      while (!done) {
        MyConn c;
        if (!c.connect(proxy.my_port())) continue;
        while (!done && c.run("SELECT COUNT(*) FROM ai_models")) ++ok_before;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto restart =
      run_command("bash -c " + shell_quote(lib + "maria_stop " + mdir + " && maria_start " + mdir +
                                           " " + std::to_string(port)));
  EXPECT_EQ(restart.exit_code, 0) << restart.output;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  done = true;
  for (auto& t : load) t.join();
  EXPECT_GT(ok_before, 0);

  // Recovery: new clients work, each of their statements may land on any
  // pooled connection, and none of them is a dead one.
  std::atomic<int> errors{0};
  std::string first_error;
  std::vector<std::thread> after;
  for (int t = 0; t < 6; ++t) {
    after.emplace_back([&] {
      MyConn c;
      if (!c.connect(proxy.my_port())) {
        if (errors++ == 0) first_error = mysql_error(c.m);
        return;
      }
      for (int i = 0; i < 30; ++i) {
        if (c.scalar("SELECT COUNT(*) > 0 FROM ai_models") != "1" && errors++ == 0)
          first_error = mysql_error(c.m);
      }
    });
  }
  for (auto& t : after) t.join();
  EXPECT_EQ(errors, 0) << first_error;
  proxy.terminate();
}

}  // namespace
}  // namespace sw::test
