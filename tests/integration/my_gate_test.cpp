// Acceptance 8 and the limits: the MySQL session runs inside this test
// process (worker pool, listener, session handler) with a test gate that
// denies any statement holding a marker, so denials for COM_QUERY and
// COM_STMT_PREPARE can be checked against the real server. Also: max client
// connections (1040), the auth timeout, and hostile bytes.
#include <arpa/inet.h>
#include <mysql.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "policy/gate.hpp"
#include "proxy/mysql/session_handler.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/listener.hpp"
#include "proxy/net/worker_pool.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

constexpr std::string_view marker = "DENY_ME";

class MarkerGate final : public policy::StatementGate {
 public:
  policy::Decision check(const policy::SessionContext& session, std::string_view sql) override {
    ++checks;
    last_user = std::string(session.user);
    policy::Decision d;
    if (sql.find(marker) != std::string_view::npos) {
      d.allowed = false;
      d.rule = "test_marker";
      d.message = "statement holds the test marker";
    }
    return d;
  }
  std::atomic<int> checks{0};
  std::string last_user;
};

class InProcessProxy {
 public:
  explicit InProcessProxy(std::uint32_t max_clients = 100,
                          std::chrono::milliseconds auth_timeout = std::chrono::seconds(10))
      : gate_(std::make_shared<MarkerGate>()), tracker_(max_clients), workers_(1) {
    auto config = std::make_shared<Config>();
    config->server.max_client_connections = max_clients;
    config->server.client_auth_timeout = auth_timeout;
    config->server.max_message_bytes = 1 << 20;
    TenantConfig tenant;
    tenant.name = "default";
    ListenerConfig listener;
    port_ = free_port();
    listener.listen = Endpoint{"127.0.0.1", port_};
    listener.backend = Endpoint{"127.0.0.1", servers().my_port};
    tenant.mysql = listener;
    config->tenants.push_back(tenant);
    for (const char* name : {"app", "reader"}) {
      UserConfig u;
      u.name = name;
      u.password = Secret(name);
      config->users.push_back(u);
    }
    config_ = config;
    const TenantConfig& t = config_->tenants.front();
    auto handler = mysql::make_session_handler(config_, t, *t.mysql, gate_);
    auto l = net::Listener::open(workers_.context(0), t.mysql->listen, handler, tracker_);
    EXPECT_TRUE(l) << l.error().message;
    listener_ = std::move(*l);
    listener_->start();
    workers_.start();
  }
  ~InProcessProxy() {
    listener_->close();
    workers_.stop();
    workers_.join();
  }
  std::uint16_t port() const { return port_; }
  MarkerGate& gate() { return *gate_; }

 private:
  std::shared_ptr<MarkerGate> gate_;
  net::ConnectionTracker tracker_;
  net::WorkerPool workers_;
  ConfigPtr config_;
  std::unique_ptr<net::Listener> listener_;
  std::uint16_t port_ = 0;
};

struct Conn {
  MYSQL* m = mysql_init(nullptr);
  ~Conn() { mysql_close(m); }
  bool connect(std::uint16_t port, const char* user = "app", const char* db = "exo_cluster") {
    unsigned timeout = 10;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    return mysql_real_connect(m, "127.0.0.1", user, user, db, port, nullptr,
                              CLIENT_MULTI_STATEMENTS) != nullptr;
  }
  std::string scalar(const std::string& sql) {
    if (mysql_query(m, sql.c_str()) != 0) return "ERR " + std::string(mysql_error(m));
    MYSQL_RES* res = mysql_store_result(m);
    if (!res) return "";
    MYSQL_ROW row = mysql_fetch_row(res);
    std::string v = row && row[0] ? row[0] : "NULL";
    mysql_free_result(res);
    return v;
  }
};

TEST(MyGate, DeniedQueryAnswers1142AndSessionLives) {
  InProcessProxy proxy;
  Conn c;
  ASSERT_TRUE(c.connect(proxy.port())) << mysql_error(c.m);
  EXPECT_EQ(c.scalar("SELECT 40 + 2"), "42");
  ASSERT_NE(mysql_query(c.m, "SELECT 'DENY_ME'"), 0);
  EXPECT_EQ(mysql_errno(c.m), 1142u);
  EXPECT_STREQ(mysql_sqlstate(c.m), "42000");
  EXPECT_NE(std::string(mysql_error(c.m)).find("statement holds the test marker"),
            std::string::npos);
  EXPECT_EQ(c.scalar("SELECT 7"), "7");  // same connection, still healthy
  EXPECT_EQ(proxy.gate().last_user, "app");
}

TEST(MyGate, DeniedQueryNeverReachesTheServer) {
  InProcessProxy proxy;
  Conn c;
  ASSERT_TRUE(c.connect(proxy.port())) << mysql_error(c.m);
  ASSERT_EQ(mysql_query(c.m, "CREATE DATABASE IF NOT EXISTS my_gate_scratch"), 0);
  ASSERT_EQ(mysql_query(c.m, "CREATE OR REPLACE TABLE my_gate_scratch.t (v TEXT)"), 0);
  EXPECT_NE(mysql_query(c.m, "INSERT INTO my_gate_scratch.t VALUES ('DENY_ME')"), 0);
  // A multi-statement request is judged whole: one marked part denies all.
  EXPECT_NE(mysql_query(c.m, "INSERT INTO my_gate_scratch.t VALUES ('ok'); SELECT 'DENY_ME'"), 0);
  EXPECT_EQ(c.scalar("SELECT count(*) FROM my_gate_scratch.t"), "0");
  ASSERT_EQ(mysql_query(c.m, "DROP DATABASE my_gate_scratch"), 0);
}

TEST(MyGate, DeniedPrepareNeverReachesTheServer) {
  InProcessProxy proxy;
  Conn c;
  ASSERT_TRUE(c.connect(proxy.port())) << mysql_error(c.m);
  // The proxied connection's own backend session counts its prepares (a
  // global counter would see other tests running in parallel).
  auto prepares = [&] {
    return c.scalar(
        "SELECT variable_value FROM information_schema.session_status WHERE "
        "variable_name = 'COM_STMT_PREPARE'");
  };
  std::string before = prepares();
  ASSERT_NE(before.rfind("ERR", 0), 0u) << before;
  MYSQL_STMT* stmt = mysql_stmt_init(c.m);
  std::string denied = "SELECT ? AS DENY_ME";
  EXPECT_NE(mysql_stmt_prepare(stmt, denied.c_str(), denied.size()), 0);
  EXPECT_EQ(mysql_stmt_errno(stmt), 1142u);
  EXPECT_STREQ(mysql_stmt_sqlstate(stmt), "42000");
  mysql_stmt_close(stmt);
  EXPECT_EQ(prepares(), before);
  // An allowed prepare still works on the same connection.
  stmt = mysql_stmt_init(c.m);
  std::string allowed = "SELECT ? + 1";
  ASSERT_EQ(mysql_stmt_prepare(stmt, allowed.c_str(), allowed.size()), 0) << mysql_stmt_error(stmt);
  long long in = 41, out = 0;
  MYSQL_BIND param{}, result{};
  param.buffer_type = MYSQL_TYPE_LONGLONG;
  param.buffer = &in;
  result.buffer_type = MYSQL_TYPE_LONGLONG;
  result.buffer = &out;
  ASSERT_EQ(mysql_stmt_bind_param(stmt, &param), 0);
  ASSERT_EQ(mysql_stmt_execute(stmt), 0) << mysql_stmt_error(stmt);
  ASSERT_EQ(mysql_stmt_bind_result(stmt, &result), 0);
  ASSERT_EQ(mysql_stmt_fetch(stmt), 0);
  EXPECT_EQ(out, 42);
  mysql_stmt_close(stmt);
  EXPECT_EQ(c.scalar("SELECT 1"), "1");
}

TEST(MyGate, InitDbAndChangeUserGoThroughTheProxy) {
  InProcessProxy proxy;
  Conn c;
  ASSERT_TRUE(c.connect(proxy.port(), "app", "")) << mysql_error(c.m);
  EXPECT_EQ(mysql_select_db(c.m, "exo_cluster"), 0) << mysql_error(c.m);
  EXPECT_EQ(c.scalar("SELECT database()"), "exo_cluster");
  // COM_CHANGE_USER is re-authenticated by the proxy, then the backend
  // session becomes the new user's.
  EXPECT_EQ(mysql_change_user(c.m, "reader", "reader", "exo_cluster"), 0) << mysql_error(c.m);
  EXPECT_EQ(c.scalar("SELECT current_user()"), "reader@%");
  EXPECT_EQ(c.scalar("SELECT 5"), "5");
  EXPECT_EQ(proxy.gate().last_user, "reader");
  EXPECT_NE(mysql_change_user(c.m, "app", "wrong", "exo_cluster"), 0);
  EXPECT_EQ(mysql_errno(c.m), 1045u);
}

TEST(MyGate, PingResetStatisticsAndSetOption) {
  InProcessProxy proxy;
  Conn c;
  ASSERT_TRUE(c.connect(proxy.port())) << mysql_error(c.m);
  EXPECT_EQ(mysql_ping(c.m), 0);
  const char* stat = mysql_stat(c.m);
  ASSERT_NE(stat, nullptr);
  EXPECT_NE(std::string(stat).find("Uptime"), std::string::npos);
  EXPECT_EQ(mysql_query(c.m, "SET @v = 5"), 0);
  EXPECT_EQ(mysql_reset_connection(c.m), 0) << mysql_error(c.m);
  EXPECT_EQ(c.scalar("SELECT @v"), "NULL");
  EXPECT_EQ(mysql_set_server_option(c.m, MYSQL_OPTION_MULTI_STATEMENTS_OFF), 0);
  EXPECT_NE(mysql_query(c.m, "SELECT 1; SELECT 2"), 0);  // the server now refuses
  EXPECT_EQ(c.scalar("SELECT 3"), "3");
  MYSQL_RES* fields = mysql_list_fields(c.m, "cluster_nodes", nullptr);
  ASSERT_NE(fields, nullptr) << mysql_error(c.m);
  EXPECT_GT(mysql_num_fields(fields), 1u);
  mysql_free_result(fields);
  EXPECT_EQ(c.scalar("SELECT 4"), "4");
}

TEST(MyLimits, TooManyConnectionsIs1040) {
  InProcessProxy proxy(1);
  Conn first;
  ASSERT_TRUE(first.connect(proxy.port())) << mysql_error(first.m);
  Conn second;
  EXPECT_FALSE(second.connect(proxy.port()));
  EXPECT_EQ(mysql_errno(second.m), 1040u) << mysql_error(second.m);
  EXPECT_EQ(first.scalar("SELECT 1"), "1");
}

// Reads until EOF (or timeout); returns everything received.
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

TEST(MyLimits, SilentClientIsDroppedAfterAuthTimeout) {
  InProcessProxy proxy(100, std::chrono::milliseconds(300));
  int fd = raw_connect(proxy.port());
  auto start = std::chrono::steady_clock::now();
  std::string got = read_all(fd);  // the greeting, then EOF when the timer fires
  auto elapsed = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_GT(got.size(), 4u);
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST(MyLimits, HostileBytesGetAnErrorAndAClose) {
  InProcessProxy proxy;
  struct Case {
    const char* name;
    std::string bytes;
    std::string expect;
  };
  std::string junk_login = std::string("\x05\x00\x00\x01", 4) + "hello";
  std::string lying_login = std::string("\x30\x00\x00\x01", 4) + std::string(4, '\xff') +
                            std::string(4, '\0') + std::string(24, '\0') + "app" +
                            std::string(1, '\0') + "\xfc\xff\xff" + std::string(9, 'x');
  for (const Case& c : {Case{"junk login", junk_login, "Bad handshake"},
                        Case{"lying length", lying_login, "Bad handshake"},
                        Case{"wrong sequence", std::string("\x05\x00\x00\x07", 4) + "hello", ""},
                        Case{"truncated", std::string("\x40\x00\x00\x01", 4) + "abc", ""}}) {
    int fd = raw_connect(proxy.port());
    ASSERT_GE(fd, 0) << c.name;
    char greeting[512];
    ASSERT_GT(::recv(fd, greeting, sizeof greeting, 0), 4) << c.name;
    ::send(fd, c.bytes.data(), c.bytes.size(), 0);
    if (std::string(c.name) == "truncated") ::shutdown(fd, SHUT_WR);
    std::string got = read_all(fd);
    ::close(fd);
    if (!c.expect.empty()) {
      EXPECT_NE(got.find(c.expect), std::string::npos) << c.name;
    }
  }
  // After a login, oversized and out-of-order commands are answered and closed.
  for (const auto& [name, bytes, code] :
       {std::tuple<const char*, std::string, unsigned>{"oversized",
                                                       std::string("\xff\xff\xff\x00", 4), 1153},
        std::tuple<const char*, std::string, unsigned>{
            "out of order", std::string("\x02\x00\x00\x05\x03x", 6), 1156}}) {
    Conn c;
    ASSERT_TRUE(c.connect(proxy.port()));
    int fd = mysql_get_socket(c.m);
    ::send(fd, bytes.data(), bytes.size(), 0);
    std::string got = read_all(fd);
    ASSERT_GE(got.size(), 7u) << name;
    EXPECT_EQ(static_cast<unsigned char>(got[4]), 0xff) << name;
    unsigned err = static_cast<unsigned char>(got[5]) | (static_cast<unsigned char>(got[6]) << 8);
    EXPECT_EQ(err, code) << name;
  }
  // The proxy is still serving.
  Conn ok;
  ASSERT_TRUE(ok.connect(proxy.port())) << mysql_error(ok.m);
  EXPECT_EQ(ok.scalar("SELECT 1"), "1");
}

}  // namespace
}  // namespace sw::test
