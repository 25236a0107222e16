// Acceptance 7: KILL QUERY through the proxy interrupts SELECT SLEEP(30)
// within 1 s. Clients see the proxy's connection ids; the proxy maps them to
// backend thread ids and says KILL on a separate backend connection.
#include <mysql.h>

#include <chrono>
#include <future>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

struct Conn {
  MYSQL* m = mysql_init(nullptr);
  ~Conn() { mysql_close(m); }
  bool connect(std::uint16_t port) {
    return mysql_real_connect(m, "127.0.0.1", "app", "app", "exo_cluster", port, nullptr, 0) !=
           nullptr;
  }
};

class MyKill : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { proxy_ = new ProxyProcess("my_kill"); }
  static void TearDownTestSuite() {
    delete proxy_;
    proxy_ = nullptr;
  }
  static ProxyProcess* proxy_;
};
ProxyProcess* MyKill::proxy_ = nullptr;

TEST_F(MyKill, KillQueryInterruptsSleepWithinOneSecond) {
  Conn sleeper, killer;
  ASSERT_TRUE(sleeper.connect(proxy_->my_port())) << mysql_error(sleeper.m);
  ASSERT_TRUE(killer.connect(proxy_->my_port())) << mysql_error(killer.m);
  unsigned long id = mysql_thread_id(sleeper.m);
  ASSERT_NE(id, mysql_thread_id(killer.m));

  auto started = std::chrono::steady_clock::now();
  auto done = std::async(std::launch::async, [&] {
    int rc = mysql_query(sleeper.m, "SELECT SLEEP(30)");
    if (rc == 0) mysql_free_result(mysql_store_result(sleeper.m));
    return std::chrono::steady_clock::now();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto kill_sent = std::chrono::steady_clock::now();
  std::string kill = fmt::format("KILL QUERY {}", id);
  ASSERT_EQ(mysql_query(killer.m, kill.c_str()), 0) << mysql_error(killer.m);
  ASSERT_EQ(done.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto finished = done.get();
  auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(finished - kill_sent);
  std::cout << "KILL QUERY -> sleep returned after " << latency.count() << " ms\n";
  EXPECT_GE(finished, kill_sent);  // it was still sleeping when KILL went out
  EXPECT_LT(latency, std::chrono::seconds(1));
  EXPECT_LT(finished - started, std::chrono::seconds(3));

  // The sleeper's connection survives KILL QUERY.
  ASSERT_EQ(mysql_query(sleeper.m, "SELECT 1"), 0) << mysql_error(sleeper.m);
  mysql_free_result(mysql_store_result(sleeper.m));
}

TEST_F(MyKill, KillStatementEndsTheOtherConnection) {
  Conn victim, killer;
  ASSERT_TRUE(victim.connect(proxy_->my_port()));
  ASSERT_TRUE(killer.connect(proxy_->my_port()));
  std::string kill = fmt::format("KILL {}", mysql_thread_id(victim.m));
  ASSERT_EQ(mysql_query(killer.m, kill.c_str()), 0) << mysql_error(killer.m);
  EXPECT_NE(mysql_query(victim.m, "SELECT 1"), 0);
  ASSERT_EQ(mysql_query(killer.m, "SELECT 1"), 0) << mysql_error(killer.m);
  mysql_free_result(mysql_store_result(killer.m));
}

TEST_F(MyKill, ComProcessKillCommandIsMapped) {
  Conn victim, killer;
  ASSERT_TRUE(victim.connect(proxy_->my_port()));
  ASSERT_TRUE(killer.connect(proxy_->my_port()));
  // mysql_kill() sends COM_PROCESS_KILL with the proxy's connection id.
  ASSERT_EQ(mysql_kill(killer.m, mysql_thread_id(victim.m)), 0) << mysql_error(killer.m);
  EXPECT_NE(mysql_query(victim.m, "SELECT 1"), 0);
  EXPECT_NE(mysql_kill(killer.m, 987654), 0);
  EXPECT_EQ(mysql_errno(killer.m), 1094u) << mysql_error(killer.m);
}

TEST_F(MyKill, UnknownIdIsRefusedWithoutTouchingTheServer) {
  Conn killer;
  ASSERT_TRUE(killer.connect(proxy_->my_port()));
  EXPECT_NE(mysql_query(killer.m, "KILL QUERY 987654"), 0);
  EXPECT_EQ(mysql_errno(killer.m), 1094u) << mysql_error(killer.m);
  EXPECT_NE(mysql_query(killer.m, "KILL USER app"), 0);
  EXPECT_EQ(mysql_errno(killer.m), 1235u) << mysql_error(killer.m);
  ASSERT_EQ(mysql_query(killer.m, "SELECT 1"), 0);
  mysql_free_result(mysql_store_result(killer.m));
}

}  // namespace
}  // namespace sw::test
