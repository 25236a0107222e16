// The proxy greets and authenticates MySQL clients itself (issue 10) and
// the greeting and logins behave as the server's do (issue 11, MySQL items
// 1, 5, 6, 7): capabilities mirrored from the backend's greeting, backend
// login errors verbatim, a backend close seen by a session-mode client at
// once, one connection id for the greeting, CONNECTION_ID() and KILL.
#include <arpa/inet.h>
#include <mysql.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/mysql_conn.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

constexpr std::uint32_t client_mysql = 1u << 0;
constexpr std::uint32_t client_compress = 1u << 5;
constexpr std::uint32_t client_local_files = 1u << 7;
constexpr std::uint32_t client_ssl = 1u << 11;
constexpr std::uint32_t client_expired_passwords = 1u << 22;
// MariaDB's extended capabilities (bits 32.. of the 64-bit set).
constexpr std::uint32_t mariadb_stmt_bulk_operations = 1u << (34 - 32);
constexpr std::uint32_t mariadb_extended_metadata = 1u << (35 - 32);

using Conn = MyConn;

struct Admin : MyRoot {
  void run(const std::string& sql) { exec(sql); }
};

struct RawGreeting {
  std::string version;
  std::uint32_t connection_id = 0;
  std::uint32_t capabilities = 0;
  std::uint8_t charset = 0;
  std::vector<std::uint8_t> extended;  // MariaDB: the 4 extended capability bytes
};

// Reads the first packet a server sends on a fresh TCP connection.
std::optional<RawGreeting> read_greeting(std::uint16_t port) {
  int fd = raw_connect(port);
  if (fd < 0) return std::nullopt;
  std::vector<std::uint8_t> buf(4096);
  std::size_t have = 0;
  while (have < 4 || have < 4u + (buf[0] | buf[1] << 8 | buf[2] << 16)) {
    ssize_t n = ::recv(fd, buf.data() + have, buf.size() - have, 0);
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (have < 5 || buf[4] != 10) return std::nullopt;
  RawGreeting g;
  std::size_t at = 5;
  while (at < have && buf[at]) g.version += static_cast<char>(buf[at++]);
  ++at;
  g.connection_id = buf[at] | buf[at + 1] << 8 | buf[at + 2] << 16 |
                    static_cast<std::uint32_t>(buf[at + 3]) << 24;
  at += 4 + 8 + 1;
  g.capabilities = buf[at] | buf[at + 1] << 8;
  g.charset = buf[at + 2];
  at += 2 + 1 + 2;
  g.capabilities |= static_cast<std::uint32_t>(buf[at] | buf[at + 1] << 8) << 16;
  at += 2 + 1 + 6;
  g.extended.assign(buf.begin() + at, buf.begin() + at + 4);
  return g;
}

ProxyOptions backend_port_options(std::uint16_t port) {
  ProxyOptions o;
  o.my_backend_port = port;
  return o;
}

class MyLogin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    proxy_ = new ProxyProcess("my_login", extra_toml_options(R"(
[tenants.pool]
mode = "session"

[[users]]
name = "wrong_backend_pw"
password = "x"
backend_user = "exo_ai"
backend_password = "not-the-password"

[[users]]
name = "sw_expired"
password = "expired-pw"

[[users]]
name = "sw_limited"
password = "limited-pw"

# Configured by the server's own hash (SELECT PASSWORD('hashed-pw')).
[[users]]
name = "sw_hashed"
password = "*82F6F216C3AE6603CE11A74A610A147868802CA5"
)"));
    Admin admin;
    admin.run("DROP USER IF EXISTS sw_expired, sw_limited, sw_hashed");
    admin.run("CREATE USER sw_hashed IDENTIFIED BY 'hashed-pw'");
    admin.run("GRANT SELECT ON exo_cluster.* TO sw_hashed");
    admin.run("CREATE USER sw_expired IDENTIFIED BY 'expired-pw' PASSWORD EXPIRE");
    admin.run("CREATE USER sw_limited IDENTIFIED BY 'limited-pw' WITH MAX_USER_CONNECTIONS 1");
    admin.run("GRANT SELECT ON exo_cluster.* TO sw_expired, sw_limited");
  }
  static void TearDownTestSuite() {
    Admin admin;
    admin.run("DROP USER IF EXISTS sw_expired, sw_limited, sw_hashed");
    delete proxy_;
    proxy_ = nullptr;
  }
  static ProxyProcess* proxy_;
};
ProxyProcess* MyLogin::proxy_ = nullptr;

TEST_F(MyLogin, GreetingMirrorsTheBackendsCapabilities) {
  Conn warm;  // the greeting cache fills with the first backend login
  ASSERT_TRUE(warm.connect(proxy_->my_port(), "app", "app")) << mysql_error(warm.m);
  auto direct = read_greeting(servers().my_port);
  auto proxied = read_greeting(proxy_->my_port());
  ASSERT_TRUE(direct && proxied);
  EXPECT_EQ(proxied->version, direct->version);
  EXPECT_EQ(proxied->charset, direct->charset);
  // MariaDB clears CLIENT_MYSQL to say "I am MariaDB"; so must the proxy.
  EXPECT_EQ(proxied->capabilities & client_mysql, direct->capabilities & client_mysql);
  // Nothing the backend does not offer, and nothing the proxy cannot honour.
  EXPECT_EQ(proxied->capabilities & ~direct->capabilities & ~client_ssl, 0u)
      << std::hex << proxied->capabilities << " vs " << direct->capabilities;
  // The compressed protocol is the proxy's own on each side: mirrored.
  EXPECT_EQ(proxied->capabilities & client_compress, direct->capabilities & client_compress);
  EXPECT_NE(proxied->capabilities & client_compress, 0u);
  // LOCAL_FILES only when a profile enables local_infile (none here).
  EXPECT_EQ(proxied->capabilities & client_local_files, 0u);
  EXPECT_EQ(proxied->capabilities & client_expired_passwords,
            direct->capabilities & client_expired_passwords);
  // MariaDB's extended capabilities: bulk execution and extended metadata
  // as the backend offers them; not CACHE_METADATA (see docs/mysql-pooling.md)
  // nor PROGRESS.
  auto ext = [](const std::vector<std::uint8_t>& b) {
    return static_cast<std::uint32_t>(b[0] | b[1] << 8 | b[2] << 16) |
           static_cast<std::uint32_t>(b[3]) << 24;
  };
  EXPECT_EQ(ext(proxied->extended),
            ext(direct->extended) & (mariadb_stmt_bulk_operations | mariadb_extended_metadata))
      << std::hex << ext(proxied->extended) << " vs " << ext(direct->extended);
  EXPECT_EQ(ext(proxied->extended), mariadb_stmt_bulk_operations | mariadb_extended_metadata);
  // Connector/C drops MariaDB's "5.5.5-" replication prefix; the rest is the server's.
  EXPECT_TRUE(direct->version.ends_with(mysql_get_server_info(warm.m)))
      << mysql_get_server_info(warm.m) << " vs " << direct->version;
}

TEST_F(MyLogin, BackendLoginErrorsReachTheClientVerbatim) {
  struct Case {
    const char* user;
    const char* password;
    const char* db;
  };
  // (backend user, what the proxy client sends): 1049 unknown database,
  // 1044 no access to a database, 1226 resource limit.
  Admin admin;
  Conn hold;  // sw_limited's one allowed connection
  ASSERT_TRUE(hold.connect(servers().my_port, "sw_limited", "limited-pw"));
  for (Case c : {Case{"app", "app", "sw_no_such_database"}, Case{"reader", "reader", "mysql"},
                 Case{"sw_limited", "limited-pw", "exo_cluster"}}) {
    Conn direct, proxied;
    ASSERT_FALSE(direct.connect(servers().my_port, c.user, c.password, c.db));
    ASSERT_FALSE(proxied.connect(proxy_->my_port(), c.user, c.password, c.db));
    EXPECT_EQ(mysql_errno(proxied.m), mysql_errno(direct.m)) << c.user << "@" << c.db;
    EXPECT_NE(mysql_errno(proxied.m), 1105u);
    EXPECT_STREQ(mysql_sqlstate(proxied.m), mysql_sqlstate(direct.m));
    EXPECT_EQ(std::string(mysql_error(proxied.m)), std::string(mysql_error(direct.m)));
  }
  // The backend refusing the proxy's own credentials (a pool nobody else
  // uses, so no connection logged in earlier is reused): its 1045, not 1105.
  Conn wrong;
  ASSERT_FALSE(wrong.connect(proxy_->my_port(), "wrong_backend_pw", "x"));
  EXPECT_EQ(mysql_errno(wrong.m), 1045u) << mysql_error(wrong.m);
  EXPECT_NE(std::string(mysql_error(wrong.m)).find("Access denied for user 'exo_ai'"),
            std::string::npos)
      << mysql_error(wrong.m);
}

// A user configured by its mysql_native_password hash: the client proves
// its password against the hash, and the proxy logs in to the backend with
// the SHA1(pw) the proof reveals — in session mode, in transaction mode
// (where the pool logs in again for new connections) and on
// COM_CHANGE_USER. The proxy never holds the password.
TEST_F(MyLogin, UserConfiguredByItsNativeHash) {
  Conn session;
  ASSERT_TRUE(session.connect(proxy_->my_port(), "sw_hashed", "hashed-pw"))
      << mysql_error(session.m) << proxy_->log();
  EXPECT_EQ(session.scalar("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)"), "sw_hashed");
  Conn wrong;
  EXPECT_FALSE(wrong.connect(proxy_->my_port(), "sw_hashed", "not-it"));
  EXPECT_EQ(mysql_errno(wrong.m), 1045u) << mysql_error(wrong.m);
  // COM_CHANGE_USER from another user to the hashed one.
  Conn changer;
  ASSERT_TRUE(changer.connect(proxy_->my_port()));
  ASSERT_EQ(mysql_change_user(changer.m, "sw_hashed", "hashed-pw", "exo_cluster"), 0)
      << mysql_error(changer.m);
  EXPECT_EQ(changer.scalar("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)"), "sw_hashed");

  ProxyOptions o = extra_toml_options(R"(
[[users]]
name = "sw_hashed"
password = "*82F6F216C3AE6603CE11A74A610A147868802CA5"
)");
  ProxyProcess pooled("my_login_hash_pool", o);
  std::vector<std::unique_ptr<Conn>> clients;
  for (int i = 0; i < 4; ++i) {  // several server connections, each a fresh login
    clients.push_back(std::make_unique<Conn>());
    ASSERT_TRUE(clients.back()->connect(pooled.my_port(), "sw_hashed", "hashed-pw"))
        << mysql_error(clients.back()->m) << pooled.log();
    ASSERT_EQ(mysql_query(clients.back()->m, "BEGIN"), 0);
  }
  for (auto& c : clients)
    EXPECT_EQ(c->scalar("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1)"), "sw_hashed");
}

TEST_F(MyLogin, ExpiredPasswordBehavesAsDirect) {
  Conn direct, proxied;
  bool direct_ok = direct.connect(servers().my_port, "sw_expired", "expired-pw");
  bool proxied_ok = proxied.connect(proxy_->my_port(), "sw_expired", "expired-pw");
  ASSERT_EQ(proxied_ok, direct_ok) << mysql_error(proxied.m) << " / " << mysql_error(direct.m);
  if (!direct_ok) {
    EXPECT_EQ(mysql_errno(proxied.m), mysql_errno(direct.m));
    EXPECT_EQ(std::string(mysql_error(proxied.m)), std::string(mysql_error(direct.m)));
  } else {
    // Sandbox mode (disconnect_on_expired_password=OFF): statements get 1820.
    EXPECT_EQ(proxied.scalar("SELECT 1"), direct.scalar("SELECT 1"));
    EXPECT_EQ(mysql_errno(proxied.m), mysql_errno(direct.m));
  }
}

// CAN_HANDLE_EXPIRED_PASSWORDS is passed to the backend login: with
// disconnect_on_expired_password on, a client without it is refused (1862)
// and one with it gets sandbox mode (1820 for everything but SET PASSWORD),
// through the proxy as direct. A proxy of its own: its pool starts empty.
TEST_F(MyLogin, ExpiredPasswordFollowsTheClientsCapability) {
  Admin admin;
  std::string before = admin.scalar("SELECT @@global.disconnect_on_expired_password");
  admin.run("SET GLOBAL disconnect_on_expired_password = ON");
  {
    ProxyProcess proxy("my_login_expired", extra_toml_options(R"(
[tenants.pool]
mode = "session"

[[users]]
name = "sw_expired"
password = "expired-pw"
)"));
    for (bool can_handle : {false, true, false}) {
      SCOPED_TRACE(can_handle);
      Conn direct, proxied;
      my_bool on = 1;
      if (can_handle) {
        mysql_optionsv(direct.m, MYSQL_OPT_CAN_HANDLE_EXPIRED_PASSWORDS, &on);
        mysql_optionsv(proxied.m, MYSQL_OPT_CAN_HANDLE_EXPIRED_PASSWORDS, &on);
      }
      bool direct_ok = direct.connect(servers().my_port, "sw_expired", "expired-pw");
      bool proxied_ok = proxied.connect(proxy.my_port(), "sw_expired", "expired-pw");
      EXPECT_EQ(direct_ok, can_handle) << mysql_error(direct.m);
      ASSERT_EQ(proxied_ok, direct_ok) << mysql_error(proxied.m) << " / " << mysql_error(direct.m);
      if (!direct_ok) {
        EXPECT_EQ(mysql_errno(proxied.m), mysql_errno(direct.m));
        EXPECT_STREQ(mysql_sqlstate(proxied.m), mysql_sqlstate(direct.m));
        EXPECT_EQ(std::string(mysql_error(proxied.m)), std::string(mysql_error(direct.m)));
      } else {
        EXPECT_EQ(proxied.scalar("SELECT 1"), direct.scalar("SELECT 1"));
        EXPECT_EQ(mysql_errno(proxied.m), mysql_errno(direct.m));
        EXPECT_EQ(mysql_errno(proxied.m), 1820u);
      }
    }
  }
  admin.run("SET GLOBAL disconnect_on_expired_password = " +
            std::string(before == "1" ? "ON" : "OFF"));
}

TEST_F(MyLogin, BackendRefusingTheConnectionIsRelayedVerbatim) {
  // Fault injection: a "server" that answers every connect with the ERR a
  // MariaDB at max_connections sends instead of its greeting.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  ::listen(listener, 8);
  std::uint16_t fake_port = ntohs(addr.sin_port);
  std::thread server([listener] {
    std::string payload = std::string("\xff\x10\x04#08004", 9) + "Too many connections";
    std::string packet{static_cast<char>(payload.size()), 0, 0, 0};
    packet += payload;
    for (int i = 0; i < 2; ++i) {
      int fd = ::accept(listener, nullptr, nullptr);
      if (fd < 0) return;
      (void)::send(fd, packet.data(), packet.size(), MSG_NOSIGNAL);
      ::close(fd);
    }
  });
  {
    ProxyProcess proxy("my_login_1040", backend_port_options(fake_port));
    for (int i = 0; i < 2; ++i) {
      Conn c;
      ASSERT_FALSE(c.connect(proxy.my_port(), "app", "app"));
      EXPECT_EQ(mysql_errno(c.m), 1040u) << mysql_error(c.m);
      EXPECT_STREQ(mysql_sqlstate(c.m), "08004");
      EXPECT_STREQ(mysql_error(c.m), "Too many connections");
    }
  }
  ::shutdown(listener, SHUT_RDWR);
  ::close(listener);
  server.join();
}

TEST_F(MyLogin, UnreachableBackendIsReportedReadably) {
  // Regression: the proxy answered with 2003, a client-side code, which
  // Connector/C turns into "2027 Received malformed packet" and loses the
  // reason. Nothing listens on a fresh free port.
  ProxyProcess proxy("my_login_unreachable", backend_port_options(free_port()));
  Conn c;
  ASSERT_FALSE(c.connect(proxy.my_port(), "app", "app"));
  EXPECT_NE(mysql_errno(c.m), 2027u) << mysql_error(c.m);
  EXPECT_NE(std::string(mysql_error(c.m)).find("Can't connect to server on"), std::string::npos)
      << mysql_error(c.m);
}

// Seconds until the client's socket reports the peer's close (or -1).
double seconds_until_closed(MYSQL* m, int timeout_s) {
  pollfd p{static_cast<int>(mysql_get_socket(m)), POLLIN | POLLRDHUP, 0};
  auto start = std::chrono::steady_clock::now();
  if (::poll(&p, 1, timeout_s * 1000) <= 0) return -1;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_F(MyLogin, WaitTimeoutCloseIsSeenAtOnceInSessionMode) {
  for (std::uint16_t port : {servers().my_port, proxy_->my_port()}) {
    Conn c;
    ASSERT_TRUE(c.connect(port, "app", "app")) << mysql_error(c.m);
    ASSERT_EQ(mysql_query(c.m, "SET SESSION wait_timeout = 1"), 0) << mysql_error(c.m);
    double after = seconds_until_closed(c.m, 10);
    EXPECT_GT(after, 0) << "port " << port << ": the client never saw the close";
    EXPECT_LT(after, 4) << "port " << port;
    EXPECT_NE(mysql_query(c.m, "SELECT 1"), 0);
  }
}

TEST_F(MyLogin, BackendKillIsSeenAtOnceInSessionMode) {
  Conn victim;
  ASSERT_TRUE(victim.connect(proxy_->my_port(), "app", "app")) << mysql_error(victim.m);
  // The backend thread behind the victim: the one running this very query.
  std::string thread = victim.scalar(
      "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE '%sw-kill-marker-91%'");
  ASSERT_FALSE(thread.empty());
  ASSERT_EQ(thread.find_first_not_of("0123456789"), std::string::npos) << thread;
  Admin admin;
  admin.run("KILL " + thread);
  double after = seconds_until_closed(victim.m, 10);
  EXPECT_GE(after, 0) << "the client never saw the close";
  EXPECT_LT(after, 2);
}

TEST_F(MyLogin, IdlePooledConnectionClosedByTheServerIsDroppedQuietly) {
  Admin root;
  root.run("DROP USER IF EXISTS sw_tx");
  root.run("CREATE USER sw_tx IDENTIFIED BY 'tx-pw'");
  root.run("GRANT SELECT ON exo_cluster.* TO sw_tx");
  {
    ProxyProcess proxy("my_login_tx", extra_toml_options(R"(
[[users]]
name = "sw_tx"
password = "tx-pw"

[tenants.pool]
mode = "transaction"
size = 2
)"));
    Conn c;
    ASSERT_TRUE(c.connect(proxy.my_port(), "sw_tx", "tx-pw")) << mysql_error(c.m);
    EXPECT_EQ(c.scalar("SELECT 1"), "1");
    // The server ends every connection of the pool while the client is idle.
    std::string ids = root.scalar(
        "SELECT GROUP_CONCAT(ID) FROM information_schema.PROCESSLIST WHERE USER = 'sw_tx'");
    ASSERT_NE(ids, "NULL");
    std::size_t at = 0;
    while (at != std::string::npos) {
      std::size_t comma = ids.find(',', at);
      root.run("KILL " + ids.substr(at, comma == std::string::npos ? comma : comma - at));
      at = comma == std::string::npos ? comma : comma + 1;
    }
    // The client holds no server connection: it is not disturbed, and its
    // next statement gets a live connection.
    EXPECT_LT(seconds_until_closed(c.m, 1), 0);
    EXPECT_EQ(c.scalar("SELECT 2"), "2");
  }
  root.run("DROP USER IF EXISTS sw_tx");
}

TEST_F(MyLogin, ConnectionIdsAgreeInSessionMode) {
  Conn c, killer;
  ASSERT_TRUE(c.connect(proxy_->my_port(), "app", "app")) << mysql_error(c.m);
  ASSERT_TRUE(killer.connect(proxy_->my_port(), "app", "app")) << mysql_error(killer.m);
  unsigned long greeting_id = mysql_thread_id(c.m);
  EXPECT_EQ(c.scalar("SELECT CONNECTION_ID()"), std::to_string(greeting_id));
  ASSERT_EQ(mysql_query(killer.m, fmt::format("KILL {}", greeting_id).c_str()), 0)
      << mysql_error(killer.m);
  EXPECT_NE(mysql_query(c.m, "SELECT 1"), 0);
}

}  // namespace
}  // namespace sw::test
