// The sqlwarden binary's subcommands as an operator runs them.
#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

TEST(Cli, VersionListsLibraries) {
  auto r = run_command(sqlwarden_binary() + " version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("sqlwarden "), std::string::npos);
  EXPECT_NE(r.output.find("OpenSSL"), std::string::npos);
  EXPECT_NE(r.output.find("libpg_query"), std::string::npos);
}

TEST(Cli, ConfigCheckAcceptsExample) {
  auto r = run_command(sqlwarden_binary() + " config-check " + source_dir() +
                       "/config/sqlwarden.example.toml");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(Cli, ConfigCheckReportsPathAndLineAndHidesSecrets) {
  std::string dir = make_temp_dir("cli");
  std::ofstream(dir + "/bad.toml") << R"([server]
workers = "many"

[[tenants]]
name = "t"
[tenants.postgres]
listen = "127.0.0.1:99999"

[[users]]
name = "u"
password = "hunter2"
pasword = "hunter2"
)";
  auto r = run_command(sqlwarden_binary() + " config-check " + dir + "/bad.toml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("bad.toml:2: server.workers"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("bad.toml:7: tenants[0].postgres.listen"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tenants[0].postgres.backend: missing backend"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("bad.toml:12: users[0].pasword: unknown key"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("hunter2"), std::string::npos) << r.output;
}

TEST(Cli, RunRefusesInvalidConfig) {
  std::string dir = make_temp_dir("cli-run");
  std::ofstream(dir + "/bad.toml") << "[server]\nworkers = -1\n";
  auto r = run_command(sqlwarden_binary() + " run --config " + dir + "/bad.toml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("server.workers"), std::string::npos) << r.output;
}

TEST(Cli, SeedDbConfigJsonRuns) {
  std::string dir = make_temp_dir("cli-json");
  std::ofstream(dir + "/db_config.json") << R"({"host":"127.0.0.1","port":3306,"user":"exo_ai",
    "password":"x","database":"exo_cluster","charset":"utf8mb4","max_connections":20,
    "connection_timeout":30,"read_timeout":60,"write_timeout":60, "bogus": 1})";
  auto r = run_command(sqlwarden_binary() + " run --db-config " + dir + "/db_config.json");
  EXPECT_EQ(r.exit_code, 1);  // the unknown key is reported, the proxy does not start
  EXPECT_NE(r.output.find("bogus: unknown key"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace sw::test
