// The walking skeleton: real clients through the proxy to real servers,
// concurrency, hostile peers, graceful shutdown.
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

std::string psql(std::uint16_t port, const std::string& user, const std::string& db,
                 const std::string& sql) {
  return fmt::format(
      "PGPASSWORD={} PGCONNECT_TIMEOUT=10 psql -X -At -h 127.0.0.1 -p {} -U {} -d {} -c {}", user,
      port, user, db, shell_quote(sql));
}

std::string mariadb(std::uint16_t port, const std::string& user, const std::string& db,
                    const std::string& sql) {
  return fmt::format(
      "mariadb --no-defaults --connect-timeout=10 -N -B -h 127.0.0.1 -P {} -u {} -p{} {} -e {}",
      port, user, user, db, shell_quote(sql));
}

TEST(Skeleton, PsqlThroughProxy) {
  ProxyProcess proxy("psql");
  auto r = run_command(psql(proxy.pg_port(), "app", "exo_cluster", "select 1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "1\n");
  r = run_command(psql(proxy.pg_port(), "app", "exo_cluster", "select count(*) from ai_models"));
  EXPECT_EQ(r.output, "6\n");
  // A server error reaches the client verbatim.
  r = run_command(psql(proxy.pg_port(), "app", "exo_cluster", "select * from no_such_table"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("relation \"no_such_table\" does not exist"), std::string::npos)
      << r.output;
}

TEST(Skeleton, MariadbCliThroughProxy) {
  ProxyProcess proxy("mariadb");
  auto r = run_command(mariadb(proxy.my_port(), "app", "exo_cluster", "select 1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "1\n");
  r = run_command(
      mariadb(proxy.my_port(), "app", "exo_cluster", "select count(*) from cluster_nodes"));
  EXPECT_EQ(r.output, "5\n");
  r = run_command(mariadb(proxy.my_port(), "app", "exo_cluster", "select * from no_such_table"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("ERROR 1146"), std::string::npos) << r.output;
}

constexpr int kClients = 50;
constexpr int kQueriesPerClient = 20;

TEST(Skeleton, FiftyConcurrentPostgresClients) {
  ProxyProcess proxy("pg50");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      std::string conninfo = fmt::format(
          "host=127.0.0.1 port={} user=app password=app dbname=exo_cluster connect_timeout=10",
          proxy.pg_port());
      PGconn* conn = PQconnectdb(conninfo.c_str());
      if (PQstatus(conn) != CONNECTION_OK) {
        ADD_FAILURE() << PQerrorMessage(conn);
        PQfinish(conn);
        return;
      }
      for (int q = 0; q < kQueriesPerClient; ++q) {
        std::string sql = fmt::format("select {} + {}", i, q);
        PGresult* res = PQexec(conn, sql.c_str());
        if (PQresultStatus(res) == PGRES_TUPLES_OK && std::stoi(PQgetvalue(res, 0, 0)) == i + q)
          ++ok;
        PQclear(res);
      }
      PQfinish(conn);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kQueriesPerClient);
}

TEST(Skeleton, FiftyConcurrentMariadbClients) {
  ProxyProcess proxy("my50");
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  mysql_library_init(0, nullptr, nullptr);
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      mysql_thread_init();
      MYSQL* conn = mysql_init(nullptr);
      unsigned timeout = 10;
      mysql_optionsv(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
      if (!mysql_real_connect(conn, "127.0.0.1", "app", "app", "exo_cluster", proxy.my_port(),
                              nullptr, 0)) {
        ADD_FAILURE() << mysql_error(conn);
      } else {
        for (int q = 0; q < kQueriesPerClient; ++q) {
          std::string sql = fmt::format("select {} + {}", i, q);
          if (mysql_query(conn, sql.c_str()) != 0) continue;
          MYSQL_RES* res = mysql_store_result(conn);
          MYSQL_ROW row = res ? mysql_fetch_row(res) : nullptr;
          if (row && std::stoi(row[0]) == i + q) ++ok;
          if (res) mysql_free_result(res);
        }
      }
      mysql_close(conn);
      mysql_thread_end();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kQueriesPerClient);
}

// Garbage, truncated frames and abrupt disconnects must leave the proxy
// serving everyone else.
TEST(Skeleton, SurvivesGarbageAndMidStreamDisconnects) {
  ProxyProcess proxy("garbage");
  const std::string garbage[] = {
      std::string("\xff\xff\xff\xff garbage garbage", 21),
      std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8),  // SSLRequest, then hang up
      std::string("\x00\x00\x01", 3),                      // truncated length
      std::string(100000, 'A'),
  };
  for (std::uint16_t port : {proxy.pg_port(), proxy.my_port()}) {
    for (const auto& g : garbage) {
      int fd = raw_connect(port);
      ASSERT_GE(fd, 0);
      (void)!::write(fd, g.data(), g.size());
      ::close(fd);  // disconnect mid-message
    }
    for (int i = 0; i < 20; ++i) {  // connect and vanish without a byte
      int fd = raw_connect(port);
      ASSERT_GE(fd, 0);
      ::close(fd);
    }
  }
  EXPECT_TRUE(proxy.running());
  auto r = run_command(psql(proxy.pg_port(), "app", "exo_cluster", "select 42"));
  EXPECT_EQ(r.output, "42\n");
  r = run_command(mariadb(proxy.my_port(), "app", "exo_cluster", "select 42"));
  EXPECT_EQ(r.output, "42\n");
}

TEST(Skeleton, GracefulShutdownOnSigterm) {
  ProxyProcess proxy("shutdown");
  auto r = run_command(psql(proxy.pg_port(), "app", "exo_cluster", "select 1"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // An idle client holds a connection: the drain waits, then closes it.
  int fd = raw_connect(proxy.pg_port());
  ASSERT_GE(fd, 0);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(proxy.terminate(20), 0) << proxy.log();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(15));
  ::close(fd);
  EXPECT_NE(proxy.log().find("sqlwarden stopped"), std::string::npos) << proxy.log();
  EXPECT_FALSE(wait_for_port(proxy.pg_port(), 200));  // no longer listening
}

}  // namespace
}  // namespace sw::test
