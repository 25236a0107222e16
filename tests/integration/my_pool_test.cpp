// MySQL pooling (issue 10, acceptance 3): the state-leak suite. Two clients
// share a pool of size 1 (size 2 in session mode, where each holds one);
// for each kind of session state client A sets it, client B must never see
// it, and A still sees it afterwards — or, where the mode cannot carry it
// (statement mode), A gets a clear error instead. Plus prepared statements
// of two clients interleaved over one server connection.
#include <mysql.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <future>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/mysql_conn.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

using Conn = MyConn;

const char* mode_name(int mode) {
  return mode == 0 ? "session" : mode == 1 ? "transaction" : "statement";
}

class MyPoolState : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    for (int mode = 0; mode < 3; ++mode) {
      proxies_[mode] =
          new ProxyProcess(fmt::format("my_pool_{}", mode_name(mode)),
                           extra_toml_options(fmt::format(R"(
[tenants.pool]
mode = "{}"
size = {}
client_wait_timeout_ms = 3000
)",
                                                          mode_name(mode), mode == 0 ? 2 : 1)));
    }
    Conn admin;
    ASSERT_TRUE(admin.connect(proxies_[0]->my_port())) << mysql_error(admin.m);
    admin.scalar("DROP DATABASE IF EXISTS sw_pool_other");
    admin.scalar("CREATE DATABASE sw_pool_other");
    admin.scalar("DROP TABLE IF EXISTS sw_pool_ids");
    admin.scalar("CREATE TABLE sw_pool_ids (id INT AUTO_INCREMENT PRIMARY KEY, v INT)");
  }
  static void TearDownTestSuite() {
    {
      Conn admin;
      if (admin.connect(proxies_[0]->my_port())) {
        admin.scalar("DROP DATABASE IF EXISTS sw_pool_other");
        admin.scalar("DROP TABLE IF EXISTS sw_pool_ids");
      }
    }
    for (auto*& p : proxies_) {
      delete p;
      p = nullptr;
    }
  }
  std::uint16_t port() const { return proxies_[GetParam()]->my_port(); }
  bool statement_mode() const { return GetParam() == 2; }
  static ProxyProcess* proxies_[3];
};
ProxyProcess* MyPoolState::proxies_[3] = {};

TEST_P(MyPoolState, SessionVariables) {
  Conn a, b;
  ASSERT_TRUE(a.connect(port()) && b.connect(port()));
  std::string before = b.scalar("SELECT @@session.max_join_size");
  ASSERT_EQ(a.scalar("SET SESSION max_join_size = 12345"), "ok");
  EXPECT_EQ(b.scalar("SELECT @@session.max_join_size"), before);
  EXPECT_EQ(a.scalar("SELECT @@session.max_join_size"), "12345");
  EXPECT_EQ(b.scalar("SELECT @@session.max_join_size"), before);
  EXPECT_EQ(a.scalar("SELECT @@session.max_join_size"), "12345");
}

TEST_P(MyPoolState, CharacterSet) {
  Conn a, b;
  ASSERT_TRUE(a.connect(port()) && b.connect(port()));
  std::string before = b.scalar("SELECT @@character_set_client");
  ASSERT_NE(before, "latin1");
  ASSERT_EQ(a.scalar("SET NAMES latin1"), "ok");
  EXPECT_EQ(b.scalar("SELECT @@character_set_client"), before);
  EXPECT_EQ(a.scalar("SELECT @@character_set_client"), "latin1");
  EXPECT_EQ(b.scalar("SELECT @@character_set_client"), before);
}

TEST_P(MyPoolState, UseDatabase) {
  Conn a, b;
  ASSERT_TRUE(a.connect(port()) && b.connect(port()));
  ASSERT_EQ(a.scalar("USE sw_pool_other"), "ok");
  EXPECT_EQ(b.scalar("SELECT DATABASE()"), "exo_cluster");
  EXPECT_EQ(a.scalar("SELECT DATABASE()"), "sw_pool_other");
  ASSERT_EQ(mysql_select_db(b.m, "sw_pool_other"), 0);  // COM_INIT_DB
  ASSERT_EQ(mysql_select_db(a.m, "exo_cluster"), 0);
  EXPECT_EQ(b.scalar("SELECT DATABASE()"), "sw_pool_other");
  EXPECT_EQ(a.scalar("SELECT DATABASE()"), "exo_cluster");
}

TEST_P(MyPoolState, LastInsertIdIsPerClient) {
  Conn a, b;
  ASSERT_TRUE(a.connect(port()) && b.connect(port()));
  ASSERT_EQ(a.scalar("INSERT INTO sw_pool_ids (v) VALUES (1)"), "ok");
  std::uint64_t a_id = mysql_insert_id(a.m);
  ASSERT_EQ(b.scalar("INSERT INTO sw_pool_ids (v) VALUES (2)"), "ok");
  std::uint64_t b_id = mysql_insert_id(b.m);
  ASSERT_NE(a_id, b_id);
  EXPECT_EQ(a.scalar("SELECT LAST_INSERT_ID()"), std::to_string(a_id));
  EXPECT_EQ(b.scalar("SELECT LAST_INSERT_ID()"), std::to_string(b_id));
  EXPECT_EQ(a.scalar("SELECT LAST_INSERT_ID()"), std::to_string(a_id));
}

TEST_P(MyPoolState, FoundRowsFollowsItsSelect) {
  Conn a, b;
  ASSERT_TRUE(a.connect(port()) && b.connect(port()));
  std::string total = a.scalar("SELECT COUNT(*) FROM sw_pool_ids");
  std::string first = a.scalar("SELECT SQL_CALC_FOUND_ROWS id FROM sw_pool_ids LIMIT 0");
  // B's statement waits for (or runs beside) A's; it must not come between.
  auto other = std::async(std::launch::async, [&] { return b.scalar("SELECT 1 FROM DUAL"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(a.scalar("SELECT FOUND_ROWS()"), total);
  EXPECT_EQ(other.get(), "1");
}

// State the pool cannot move: A keeps its server connection (or, in
// statement mode, is refused), and whoever gets that connection next
// finds nothing of A's.
TEST_P(MyPoolState, UserVariables) {
  {
    Conn a;
    ASSERT_TRUE(a.connect(port()));
    if (statement_mode()) {
      EXPECT_EQ(a.scalar("SET @sw_v = 42"), "error 1235");
      return;
    }
    ASSERT_EQ(a.scalar("SET @sw_v = 42"), "ok");
    EXPECT_EQ(a.scalar("SELECT @sw_v"), "42");
    EXPECT_EQ(a.scalar("SELECT @sw_v + 1"), "43");
  }
  Conn b;
  ASSERT_TRUE(b.connect(port()));
  EXPECT_EQ(b.scalar("SELECT @sw_v"), "NULL");
}

TEST_P(MyPoolState, TemporaryTables) {
  {
    Conn a;
    ASSERT_TRUE(a.connect(port()));
    if (statement_mode()) {
      EXPECT_EQ(a.scalar("CREATE TEMPORARY TABLE sw_tmp (a INT)"), "error 1235");
      return;
    }
    ASSERT_EQ(a.scalar("CREATE TEMPORARY TABLE sw_tmp (a INT)"), "ok");
    EXPECT_EQ(a.scalar("SELECT COUNT(*) FROM sw_tmp"), "0");
  }
  Conn b;
  ASSERT_TRUE(b.connect(port()));
  EXPECT_EQ(b.scalar("SELECT COUNT(*) FROM sw_tmp"), "error 1146");
}

TEST_P(MyPoolState, GetLock) {
  {
    Conn a;
    ASSERT_TRUE(a.connect(port()));
    if (statement_mode()) {
      EXPECT_EQ(a.scalar("SELECT GET_LOCK('sw_pool_lock', 0)"), "error 1235");
      return;
    }
    ASSERT_EQ(a.scalar("SELECT GET_LOCK('sw_pool_lock', 0)"), "1");
    EXPECT_EQ(a.scalar("SELECT IS_USED_LOCK('sw_pool_lock') IS NOT NULL"), "1");
    EXPECT_EQ(a.scalar("SELECT RELEASE_LOCK('sw_pool_lock')"), "1");  // still A's
    ASSERT_EQ(a.scalar("SELECT GET_LOCK('sw_pool_lock', 0)"), "1");
  }
  Conn b;
  ASSERT_TRUE(b.connect(port()));
  EXPECT_EQ(b.scalar("SELECT IS_FREE_LOCK('sw_pool_lock')"), "1");
}

TEST_P(MyPoolState, LockTables) {
  {
    Conn a;
    ASSERT_TRUE(a.connect(port()));
    if (statement_mode()) {
      EXPECT_EQ(a.scalar("LOCK TABLES sw_pool_ids READ"), "error 1235");
      return;
    }
    ASSERT_EQ(a.scalar("LOCK TABLES sw_pool_ids READ"), "ok");
    // Under LOCK TABLES only locked tables are usable: proof A kept its session.
    EXPECT_EQ(a.scalar("SELECT COUNT(*) FROM cluster_nodes"), "error 1100");
    EXPECT_NE(a.scalar("SELECT COUNT(*) FROM sw_pool_ids"), "error 1100");
  }
  Conn b;
  ASSERT_TRUE(b.connect(port()));
  EXPECT_NE(b.scalar("SELECT COUNT(*) FROM cluster_nodes"), "error 1100");
}

TEST_P(MyPoolState, AutocommitOff) {
  {
    Conn a;
    ASSERT_TRUE(a.connect(port()));
    if (statement_mode()) {
      EXPECT_EQ(a.scalar("SET autocommit = 0"), "error 1235");
      return;
    }
    ASSERT_EQ(a.scalar("SET autocommit = 0"), "ok");
    ASSERT_EQ(a.scalar("INSERT INTO sw_pool_ids (v) VALUES (99)"), "ok");
    EXPECT_EQ(a.scalar("SELECT @@autocommit"), "0");
    EXPECT_EQ(a.scalar("SELECT COUNT(*) FROM sw_pool_ids WHERE v = 99"), "1");
  }
  Conn b;
  ASSERT_TRUE(b.connect(port()));
  EXPECT_EQ(b.scalar("SELECT @@autocommit"), "1");
  // A's uncommitted insert died with its session.
  EXPECT_EQ(b.scalar("SELECT COUNT(*) FROM sw_pool_ids WHERE v = 99"), "0");
}

TEST_P(MyPoolState, SqlPrepare) {
  {
    Conn a;
    ASSERT_TRUE(a.connect(port()));
    if (statement_mode()) {
      EXPECT_EQ(a.scalar("PREPARE sw_s FROM 'SELECT 7'"), "error 1235");
      return;
    }
    ASSERT_EQ(a.scalar("PREPARE sw_s FROM 'SELECT 7'"), "ok");
    EXPECT_EQ(a.scalar("EXECUTE sw_s"), "7");
  }
  Conn b;
  ASSERT_TRUE(b.connect(port()));
  EXPECT_EQ(b.scalar("EXECUTE sw_s"), "error 1243");
}

// Binary-protocol statements of two clients, interleaved over one server
// connection: ids are the proxy's, parameters never cross.
TEST_P(MyPoolState, PreparedStatementsInterleaved) {
  Conn a, b;
  ASSERT_TRUE(a.connect(port()) && b.connect(port()));
  auto prepare = [](MYSQL* m, const char* sql) {
    MYSQL_STMT* s = mysql_stmt_init(m);
    EXPECT_EQ(mysql_stmt_prepare(s, sql, std::strlen(sql)), 0) << mysql_stmt_error(s);
    return s;
  };
  auto run = [](MYSQL_STMT* s, long long in) -> long long {
    MYSQL_BIND p{};
    p.buffer_type = MYSQL_TYPE_LONGLONG;
    p.buffer = &in;
    EXPECT_EQ(mysql_stmt_bind_param(s, &p), 0);
    EXPECT_EQ(mysql_stmt_execute(s), 0) << mysql_stmt_error(s);
    long long out = -1;
    MYSQL_BIND r{};
    r.buffer_type = MYSQL_TYPE_LONGLONG;
    r.buffer = &out;
    EXPECT_EQ(mysql_stmt_bind_result(s, &r), 0);
    EXPECT_EQ(mysql_stmt_store_result(s), 0);
    EXPECT_EQ(mysql_stmt_fetch(s), 0);
    mysql_stmt_free_result(s);
    return out;
  };
  MYSQL_STMT* sa = prepare(a.m, "SELECT ? + 1");
  MYSQL_STMT* sb = prepare(b.m, "SELECT ? * 2");
  MYSQL_STMT* sa2 = prepare(a.m, "SELECT ? * 2");  // the same text as B's
  for (long long i = 0; i < 5; ++i) {
    EXPECT_EQ(run(sa, i), i + 1);
    EXPECT_EQ(run(sb, i), i * 2);
    EXPECT_EQ(run(sa2, i + 100), (i + 100) * 2);
  }
  mysql_stmt_close(sb);
  EXPECT_EQ(run(sa2, 7), 14);  // B closing its statement leaves A's alone
  mysql_stmt_close(sa);
  mysql_stmt_close(sa2);
}

INSTANTIATE_TEST_SUITE_P(Modes, MyPoolState, ::testing::Values(0, 1, 2),
                         [](const auto& info) { return std::string(mode_name(info.param)); });

}  // namespace
}  // namespace sw::test
