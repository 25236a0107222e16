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

// KILL [QUERY] CONNECTION_ID() means the client's own connection: the same
// errors as direct, between transactions (no server connection held in
// transaction mode) and inside one; KILL QUERY leaves the connection usable,
// KILL CONNECTION closes it.
TEST_F(MyKill, KillConnectionIdAsDirect) {
  struct Seen {
    unsigned query_errno = 0, after_query = 0, conn_errno = 0, after_conn = 0;
  };
  auto run = [](std::uint16_t port, bool in_transaction) {
    Seen s;
    Conn c;
    EXPECT_TRUE(c.connect(port)) << mysql_error(c.m);
    if (in_transaction) {
      EXPECT_EQ(mysql_query(c.m, "BEGIN"), 0) << mysql_error(c.m);
    }
    mysql_query(c.m, "KILL QUERY CONNECTION_ID()");
    s.query_errno = mysql_errno(c.m);
    if (mysql_query(c.m, "SELECT 1") == 0) mysql_free_result(mysql_store_result(c.m));
    s.after_query = mysql_errno(c.m);
    mysql_query(c.m, "KILL CONNECTION_ID()");
    s.conn_errno = mysql_errno(c.m);
    if (mysql_query(c.m, "SELECT 1") == 0) mysql_free_result(mysql_store_result(c.m));
    s.after_conn = mysql_errno(c.m);
    return s;
  };
  for (bool in_transaction : {false, true}) {
    Seen direct = run(servers().my_port, in_transaction);
    Seen proxied = run(proxy_->my_port(), in_transaction);
    EXPECT_EQ(direct.query_errno, 1317u);
    EXPECT_EQ(direct.after_query, 0u);
    EXPECT_EQ(direct.conn_errno, 1927u);
    EXPECT_NE(direct.after_conn, 0u);  // the connection is gone
    EXPECT_EQ(proxied.query_errno, direct.query_errno) << in_transaction;
    EXPECT_EQ(proxied.after_query, direct.after_query) << in_transaction;
    EXPECT_EQ(proxied.conn_errno, direct.conn_errno) << in_transaction;
    EXPECT_NE(proxied.after_conn, 0u) << in_transaction;
  }
}

// A numbered KILL inside a multi-statement request would reach the server,
// which would read the proxy's connection id as one of its own thread ids
// and kill whatever thread has that number: refused instead, and nothing
// of the request runs. CONNECTION_ID() in a batch is the server's business.
TEST_F(MyKill, NumberedKillInAMultiStatementIsRefused) {
  MYSQL* m = mysql_init(nullptr);
  ASSERT_NE(mysql_real_connect(m, "127.0.0.1", "app", "app", "exo_cluster", proxy_->my_port(),
                               nullptr, CLIENT_MULTI_STATEMENTS),
            nullptr)
      << mysql_error(m);
  Conn victim;
  ASSERT_TRUE(victim.connect(proxy_->my_port()));
  ASSERT_EQ(mysql_query(victim.m, "BEGIN"), 0);  // holds a backend thread
  std::string batch = fmt::format("SELECT 1; KILL {}", mysql_thread_id(victim.m));
  EXPECT_NE(mysql_query(m, batch.c_str()), 0);
  EXPECT_EQ(mysql_errno(m), 1235u) << mysql_error(m);
  EXPECT_EQ(mysql_query(victim.m, "SELECT 1"), 0) << mysql_error(victim.m);
  mysql_free_result(mysql_store_result(victim.m));
  // The refused client goes on.
  ASSERT_EQ(mysql_query(m, "SELECT 2"), 0) << mysql_error(m);
  mysql_free_result(mysql_store_result(m));
  mysql_close(m);
}

}  // namespace
}  // namespace sw::test
