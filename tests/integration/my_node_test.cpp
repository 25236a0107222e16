// Acceptance 6: the mysql2 and mariadb npm packages (installed at test time
// in tests/node/mysql) run a query, a prepared execute and a pool of 10
// through the proxy. Issue 11 (MySQL 1): JSON columns typed by MariaDB's
// extended metadata and mariadb's batch() arrive as they do direct, and the
// batch really travels as COM_STMT_BULK_EXECUTE (the proxy logs each one);
// both packages' compressed protocol (compress: true) gets what it gets direct.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

TEST(MyNode, Mysql2AndMariadbPackages) {
  std::string dir = source_dir() + "/tests/node/mysql";
  auto install = run_command(fmt::format(
      "cd {} && (test -d node_modules/mysql2 -a -d node_modules/mariadb || npm install --no-audit "
      "--no-fund --loglevel=error)",
      dir));
  ASSERT_EQ(install.exit_code, 0) << install.output;
  ProxyProcess proxy("my_node");
  auto r = run_command(fmt::format("cd {} && timeout 120 node clients.js {} {}", dir,
                                   proxy.my_port(), servers().my_port));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("mysql2 ok"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("mariadb ok"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("extended metadata ok"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bulk batch ok"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("compression ok"), std::string::npos) << r.output;
  EXPECT_NE(proxy.log().find("COM_STMT_BULK_EXECUTE from 'app'"), std::string::npos)
      << "batch() did not reach the proxy as COM_STMT_BULK_EXECUTE";
}

}  // namespace
}  // namespace sw::test
