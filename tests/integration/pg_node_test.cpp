// node-postgres (npm package "pg", installed into tests/node/pg at test
// time) runs tests/node/pg/smoke.js through a real sqlwarden process.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

TEST(PgNode, NodePostgresScript) {
  std::string dir = source_dir() + "/tests/node/pg";
  if (!std::filesystem::exists(dir + "/node_modules/pg")) {
    auto install = run_command("cd " + shell_quote(dir) +
                               " && npm install --no-audit --no-fund --silent 2>&1");
    ASSERT_EQ(install.exit_code, 0) << "npm install pg failed:\n" << install.output;
  }
  ProxyProcess proxy("pg_node");
  auto r =
      run_command("cd " + shell_quote(dir) + " && SW_PG_PORT=" + std::to_string(proxy.pg_port()) +
                  " timeout 60 node smoke.js 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output << proxy.log();
  EXPECT_NE(r.output.find("ok named prepared statement (twice)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("all ok"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sw::test
