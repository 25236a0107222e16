// Issue 6, acceptance 4: the policy decides through both wire protocols.
// exo_ai gets the native denial for DDL and stacked statements and may
// SELECT; reader cannot UPDATE; app can do anything.
#include <mysql.h>

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"

namespace sw::test {
namespace {

// The backend's own privileges would refuse some of these too; the proxy
// must answer first, so the server's wording must not appear.
void expect_proxy_denial(const CommandResult& r) {
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("must be owner"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("permission denied for"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("command denied to user"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sqlwarden: "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("sqlwarden: sqlwarden:"), std::string::npos) << r.output;  // said once
}

CommandResult psql(const ProxyProcess& proxy, const std::string& user, const std::string& sql) {
  return run_command(
      fmt::format("PGPASSWORD={} PGCONNECT_TIMEOUT=10 psql -X -At -v ON_ERROR_STOP=1 "
                  "-h 127.0.0.1 -p {} -U {} -d exo_cluster -c {}",
                  user, proxy.pg_port(), user, shell_quote(sql)));
}

CommandResult mariadb(const ProxyProcess& proxy, const std::string& user, const std::string& sql) {
  return run_command(
      fmt::format("mariadb --no-defaults --connect-timeout=10 -N -B -h 127.0.0.1 -P {} "
                  "-u {} -p{} exo_cluster -e {}",
                  proxy.my_port(), user, user, shell_quote(sql)));
}

TEST(PolicyOverWire, PostgresProfiles) {
  ProxyProcess proxy("policy-pg");
  auto r = psql(proxy, "exo_ai", "DROP TABLE ai_models");
  expect_proxy_denial(r);
  EXPECT_NE(r.output.find("ERROR:"), std::string::npos) << r.output;
  r = psql(proxy, "exo_ai", "SELECT 1; DELETE FROM query_log");
  expect_proxy_denial(r);
  r = psql(proxy, "exo_ai", "SELECT count(*) FROM ai_models");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "6\n");
  r = psql(proxy, "reader", "UPDATE ai_models SET name = name WHERE id = 1");
  expect_proxy_denial(r);
  EXPECT_NE(r.output.find("ERROR:"), std::string::npos) << r.output;
  r = psql(proxy, "app",
           "CREATE TEMP TABLE t(x int); INSERT INTO t VALUES (1); SELECT count(*) FROM t");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  // The stacked DELETE never ran.
  // (audit_db_sink_test may add rows to the same table concurrently: the
  // seed's rows surviving is what shows the DELETE never ran.)
  r = psql(proxy, "app", "SELECT count(*) >= 3 FROM query_log");
  EXPECT_EQ(r.output, "t\n");
}

TEST(PolicyOverWire, MysqlProfiles) {
  ProxyProcess proxy("policy-my");
  auto r = mariadb(proxy, "exo_ai", "DROP TABLE ai_models");
  expect_proxy_denial(r);
  EXPECT_NE(r.output.find("ERROR 1142 (42000)"), std::string::npos) << r.output;
  // The mariadb CLI splits on ';' itself, so the stacked request goes out
  // as one COM_QUERY through Connector/C with multi-statements on.
  MYSQL* conn = mysql_init(nullptr);
  ASSERT_TRUE(mysql_real_connect(conn, "127.0.0.1", "exo_ai", "exo_ai", "exo_cluster",
                                 proxy.my_port(), nullptr, CLIENT_MULTI_STATEMENTS))
      << mysql_error(conn);
  EXPECT_NE(mysql_query(conn, "SELECT 1; DELETE FROM query_log"), 0);
  EXPECT_EQ(mysql_errno(conn), 1142u) << mysql_error(conn);
  EXPECT_STREQ(mysql_sqlstate(conn), "42000");
  EXPECT_EQ(mysql_query(conn, "SELECT 1"), 0) << mysql_error(conn);  // the session lives on
  mysql_free_result(mysql_store_result(conn));
  mysql_close(conn);
  r = mariadb(proxy, "exo_ai", "SELECT count(*) FROM ai_models");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "6\n");
  r = mariadb(proxy, "reader", "UPDATE ai_models SET name = name WHERE id = 1");
  expect_proxy_denial(r);
  EXPECT_NE(r.output.find("ERROR 1142 (42000)"), std::string::npos) << r.output;
  r = mariadb(proxy, "app",
              "CREATE TEMPORARY TABLE t(x int); INSERT INTO t VALUES (1); SELECT count(*) FROM t");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = mariadb(proxy, "app", "SELECT count(*) >= 3 FROM query_log");
  EXPECT_EQ(r.output, "1\n");
}

}  // namespace
}  // namespace sw::test
