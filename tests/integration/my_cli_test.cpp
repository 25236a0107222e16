// Acceptance 1: the mariadb CLI through the proxy — queries, SOURCE of a
// script with multi-statements, SHOW WARNINGS, errors, USE, \s status —
// plus authentication outcomes and LOAD DATA LOCAL refusal.
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

std::string mariadb_cmd(std::uint16_t port, const std::string& user, const std::string& password,
                        const std::string& db, const std::string& args) {
  return fmt::format(
      "mariadb --no-defaults --connect-timeout=10 -h 127.0.0.1 -P {} -u {} -p{} {} {}", port, user,
      password, db, args);
}

class MyCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { proxy_ = new ProxyProcess("my_cli"); }
  static void TearDownTestSuite() {
    delete proxy_;
    proxy_ = nullptr;
  }
  CommandResult sql(const std::string& statements, const std::string& db = "exo_cluster",
                    const std::string& user = "app") {
    return run_command(
        mariadb_cmd(proxy_->my_port(), user, user, db, "-N -B -e " + shell_quote(statements)));
  }
  static ProxyProcess* proxy_;
};
ProxyProcess* MyCli::proxy_ = nullptr;

TEST_F(MyCli, QueriesMatchTheServer) {
  auto r = sql("select count(*) from cluster_nodes");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "5\n");
  auto direct = run_command(
      fmt::format("mariadb --no-defaults -N -B -h 127.0.0.1 -P {} -u app -papp exo_cluster -e {}",
                  servers().my_port, shell_quote("select * from cluster_nodes order by 1")));
  auto through = sql("select * from cluster_nodes order by 1");
  EXPECT_EQ(through.exit_code, 0);
  EXPECT_EQ(through.output, direct.output);
  EXPECT_FALSE(through.output.empty());
}

TEST_F(MyCli, SourceScriptWithMultiStatements) {
  std::string dir = make_temp_dir("my_cli_source");
  std::ofstream(dir + "/script.sql") << R"(
DROP DATABASE IF EXISTS my_cli_scratch;
CREATE DATABASE my_cli_scratch;
USE my_cli_scratch;
CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20));
INSERT INTO t VALUES (1, 'one'), (2, 'two');
-- several statements in one COM_QUERY: multi-statements and multi-results
DELIMITER //
INSERT INTO t VALUES (3, 'three'); SELECT count(*) FROM t; SELECT name FROM t WHERE id = 2 //
DELIMITER ;
SELECT concat('sum=', sum(id)) FROM t;
DROP DATABASE my_cli_scratch;
)";
  auto r = run_command(mariadb_cmd(proxy_->my_port(), "app", "app", "exo_cluster",
                                   "-N -B -e " + shell_quote("source " + dir + "/script.sql")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "3\ntwo\nsum=6\n");
}

TEST_F(MyCli, ShowWarningsAfterAWarning) {
  auto r = sql("select 1/0; show warnings");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Warning\t1365\tDivision by 0"), std::string::npos) << r.output;
}

TEST_F(MyCli, ServerErrorsReachTheClientAndTheSessionLives) {
  auto r = sql("select * from no_such_table");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("ERROR 1146 (42S02)"), std::string::npos) << r.output;
  r = sql("select * from no_such_table; select 42", "exo_cluster");
  EXPECT_NE(r.exit_code, 0);
  // --force keeps going after an error: the same connection still answers.
  r = run_command(
      mariadb_cmd(proxy_->my_port(), "app", "app", "exo_cluster",
                  "--force -N -B -e " + shell_quote("select * from no_such_table; select 42")));
  EXPECT_NE(r.output.find("42"), std::string::npos) << r.output;
}

TEST_F(MyCli, UseSwitchesDatabase) {
  auto r = sql("select database(); use exo_cluster; select database()", "");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "NULL\nexo_cluster\n");
}

TEST_F(MyCli, StatusShowsServerAndProxyConnection) {
  auto r = run_command(
      mariadb_cmd(proxy_->my_port(), "app", "app", "exo_cluster", "-e " + shell_quote("\\s")));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Connection id:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("MariaDB"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(fmt::format("TCP port:\t\t{}", proxy_->my_port())), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("Current database:\texo_cluster"), std::string::npos) << r.output;
}

TEST_F(MyCli, WrongPasswordIsAccessDenied) {
  auto r =
      run_command(mariadb_cmd(proxy_->my_port(), "app", "wrong", "exo_cluster", "-e 'select 1'"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("ERROR 1045 (28000): Access denied for user 'app'@'127.0.0.1' "
                          "(using password: YES)"),
            std::string::npos)
      << r.output;
  r = run_command(mariadb_cmd(proxy_->my_port(), "nobody", "x", "exo_cluster", "-e 'select 1'"));
  EXPECT_NE(r.output.find("ERROR 1045 (28000): Access denied for user 'nobody'"), std::string::npos)
      << r.output;
  r = run_command(
      fmt::format("mariadb --no-defaults -h 127.0.0.1 -P {} -u app exo_cluster -e 'select 1'",
                  proxy_->my_port()));
  EXPECT_NE(r.output.find("(using password: NO)"), std::string::npos) << r.output;
}

TEST_F(MyCli, CachingSha2ClientPluginIsAccepted) {
  auto r = run_command(mariadb_cmd(proxy_->my_port(), "app", "app", "exo_cluster",
                                   "--default-auth=caching_sha2_password -N -B -e 'select 7'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "7\n");
}

TEST_F(MyCli, UnknownClientPluginIsSwitchedToNative) {
  auto r = run_command(mariadb_cmd(proxy_->my_port(), "app", "app", "exo_cluster",
                                   "--default-auth=client_ed25519 -N -B -e 'select 8'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "8\n");
}

TEST_F(MyCli, LoadDataLocalIsRefused) {
  auto r = run_command(mariadb_cmd(
      proxy_->my_port(), "app", "app", "exo_cluster",
      "--local-infile=1 -e " +
          shell_quote("load data local infile '/etc/passwd' into table cluster_nodes")));
  EXPECT_NE(r.exit_code, 0);
  // local_infile is off by default: the server's own refusal.
  EXPECT_NE(r.output.find("ERROR 1148 (42000)"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sw::test
