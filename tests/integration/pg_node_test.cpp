// node-postgres (npm package "pg", installed into tests/node/pg at test
// time) runs tests/node/pg/smoke.js through a real sqlwarden process.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

// tests/node/pg with its node_modules installed (once per checkout).
std::string node_dir() {
  std::string dir = source_dir() + "/tests/node/pg";
  if (!std::filesystem::exists(dir + "/node_modules/pg")) {
    auto install = run_command("cd " + shell_quote(dir) +
                               " && npm install --no-audit --no-fund --silent 2>&1");
    EXPECT_EQ(install.exit_code, 0) << "npm install pg failed:\n" << install.output;
  }
  return dir;
}

TEST(PgNode, NodePostgresScript) {
  std::string dir = node_dir();
  ProxyProcess proxy("pg_node");
  auto r =
      run_command("cd " + shell_quote(dir) + " && SW_PG_PORT=" + std::to_string(proxy.pg_port()) +
                  " timeout 60 node smoke.js 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output << proxy.log();
  EXPECT_NE(r.output.find("ok named prepared statement (twice)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("all ok"), std::string::npos) << r.output;
}

// LISTEN/NOTIFY under transaction pooling (issue 12, acceptance 3):
// client.on('notification') through a transaction pool.
TEST(PgNode, NotificationsUnderTransactionPooling) {
  std::string dir = node_dir();
  ProxyProcess proxy("pg_node_listen",
                     extra_toml_options("[pool]\nmode = \"transaction\"\nsize = 4\n"));
  auto r =
      run_command("cd " + shell_quote(dir) + " && SW_PG_PORT=" + std::to_string(proxy.pg_port()) +
                  " timeout 60 node listen.js 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.output << proxy.log();
  EXPECT_NE(r.output.find("ok sender pid kept"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("all ok"), std::string::npos) << r.output;
}

// end() while connect() is in flight: node-postgres sends Terminate before
// its StartupMessage. The client must see exactly what it sees direct.
TEST(PgNode, EndWhileConnectingAsDirect) {
  std::string dir = node_dir();
  ProxyProcess proxy("pg_node_end");
  auto run = [&](std::uint16_t port) {
    return run_command("cd " + shell_quote(dir) + " && SW_PORT=" + std::to_string(port) +
                       " timeout 60 node end_while_connecting.js 2>&1");
  };
  auto direct = run(servers().pg_port);
  auto through = run(proxy.pg_port());
  ASSERT_EQ(direct.exit_code, 0) << direct.output;
  EXPECT_EQ(through.exit_code, 0) << through.output;
  EXPECT_EQ(through.output, direct.output) << proxy.log();
  std::printf("direct and through sqlwarden:\n%s", through.output.c_str());
  EXPECT_NE(proxy.log().find("invalid length of startup packet"), std::string::npos);
}

}  // namespace
}  // namespace sw::test
