// Acceptance 4: sqlwarden-shell (seed 000's db_shell) against a real
// sqlwarden — one-shot --query, --schema, --test with both config formats,
// exit codes, and an interactive session under tmux (send-keys /
// capture-pane) with .schema, .history and .stats.
#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

class Shell : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    proxy_ = new ProxyProcess("tools_shell");
    // The proxy's config with a [tools] section, as the shell reads it.
    std::ifstream in(proxy_->dir() + "/sqlwarden.toml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    shell_toml_ = proxy_->dir() + "/shell.toml";
    std::ofstream(shell_toml_) << text << "\n[tools]\ndatabase = \"exo_cluster\"\n";
    db_config_ = proxy_->dir() + "/db_config.json";
    std::ofstream(db_config_) << fmt::format(
        R"({{"host": "localhost", "port": {}, "user": "exo_ai", "password": "exo_ai",
  "database": "exo_cluster", "charset": "utf8mb4", "max_connections": 20,
  "connection_timeout": 30, "read_timeout": 60, "write_timeout": 60}})",
        proxy_->my_port());
  }
  static void TearDownTestSuite() {
    delete proxy_;
    proxy_ = nullptr;
  }
  static CommandResult shell(const std::string& args) {
    return run_command(fmt::format("HOME={} {}/sqlwarden-shell {} 2>&1", shell_quote(proxy_->dir()),
                                   build_dir(), args));
  }
  static ProxyProcess* proxy_;
  static std::string db_config_;
  static std::string shell_toml_;
};
ProxyProcess* Shell::proxy_ = nullptr;
std::string Shell::db_config_;
std::string Shell::shell_toml_;

TEST_F(Shell, QueryWithSeedConfig) {
  auto r = shell("--config " + shell_quote(db_config_) + " --query 'SELECT * FROM ai_models'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("| llama-3.1-405b "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("| id "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("6 rows"), std::string::npos) << r.output;
}

TEST_F(Shell, SchemaBothEngines) {
  auto my = shell("--config " + shell_quote(db_config_) + " --schema");
  EXPECT_EQ(my.exit_code, 0) << my.output;
  for (const char* t : {"ai_models", "cluster_nodes", "query_log"})
    EXPECT_NE(my.output.find(t), std::string::npos) << t << my.output;
  EXPECT_NE(my.output.find("PK"), std::string::npos);
  auto pg = shell("--config " + shell_quote(shell_toml_) +
                  " --engine postgres --schema --table cluster_nodes");
  EXPECT_EQ(pg.exit_code, 0) << pg.output;
  EXPECT_NE(pg.output.find("table cluster_nodes"), std::string::npos) << pg.output;
  EXPECT_NE(pg.output.find("1 tables and views"), std::string::npos) << pg.output;
}

TEST_F(Shell, TestJsonAndExitCodes) {
  auto t = shell("--config " + shell_quote(db_config_) + " --test");
  EXPECT_EQ(t.exit_code, 0) << t.output;
  EXPECT_NE(t.output.find("connected: mysql"), std::string::npos) << t.output;
  auto denied = shell("--config " + shell_quote(db_config_) + " --query 'DROP TABLE ai_models'");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.output.find("denied by sqlwarden (kind_not_allowed)"), std::string::npos)
      << denied.output;
  auto sql = shell("--config " + shell_quote(db_config_) + " --query 'SELECT nope FROM ai_models'");
  EXPECT_EQ(sql.exit_code, 1);
  EXPECT_NE(sql.output.find("SQL error [SQLSTATE 42S22]"), std::string::npos) << sql.output;
  auto json = shell("--config " + shell_quote(db_config_) + " --json --query 'SELECT 1 AS one'");
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.output.find("\"rows\":[{\"one\":1}]"), std::string::npos) << json.output;
  EXPECT_EQ(shell("--config /nonexistent.json --test").exit_code, 2);
  EXPECT_EQ(shell("--bogus").exit_code, 2);
  std::string unreachable = proxy_->dir() + "/down.json";
  std::ofstream(unreachable) << fmt::format(
      R"({{"host": "127.0.0.1", "port": {}, "user": "exo_ai", "password": "x"}})", free_port());
  EXPECT_EQ(shell("--config " + shell_quote(unreachable) + " --test").exit_code, 3);
}

TEST_F(Shell, InteractiveUnderTmux) {
  if (run_command("command -v tmux").exit_code != 0) GTEST_FAIL() << "tmux is not installed";
  std::string sock = "sw-shell-" + std::to_string(::getpid());
  std::string tmux = "tmux -L " + sock + " ";
  auto cmd = fmt::format("HOME={} {}/sqlwarden-shell --config {}", shell_quote(proxy_->dir()),
                         build_dir(), shell_quote(db_config_));
  ASSERT_EQ(
      run_command(tmux + "new-session -d -s shell -x 220 -y 200 " + shell_quote(cmd)).exit_code, 0);
  auto capture = [&] { return run_command(tmux + "capture-pane -p -J -S -2000 -t shell").output; };
  auto wait_for = [&](const std::string& text) {
    for (int i = 0; i < 200; ++i) {
      std::string screen = capture();
      if (screen.find(text) != std::string::npos) return screen;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return capture();
  };
  auto type = [&](const std::string& line) {
    run_command(tmux + "send-keys -t shell -l " + shell_quote(line));
    run_command(tmux + "send-keys -t shell Enter");
  };
  EXPECT_NE(wait_for("sqlwarden> ").find("sqlwarden> "), std::string::npos);
  type("SELECT COUNT(*) AS n FROM cluster_nodes WHERE status = 'online'");
  EXPECT_NE(wait_for("1 row").find("| 3 "), std::string::npos);
  type("DELETE FROM ai_models; DROP TABLE ai_models");
  // The stacked statement is refused; which rule the shell names for it
  // under a seed-style config (no profile known locally) is not checked
  // here yet: the proxy's multi-statement message names no profile.
  EXPECT_NE(wait_for("denied by sqlwarden").find("denied by sqlwarden"), std::string::npos);
  type(".schema ai_models");
  EXPECT_NE(wait_for("table ai_models").find("memory_usage_gb"), std::string::npos);
  type(".history");
  std::string history = wait_for("| multiple_statements");
  EXPECT_NE(history.find("SELECT COUNT(*) AS n FROM cluster_nodes"), std::string::npos) << history;
  EXPECT_NE(history.find("| 1 rows"), std::string::npos) << history;
  type(".stats");
  std::string stats = wait_for("round trip");
  EXPECT_NE(stats.find("session: 2 queries, 1 failed or denied"), std::string::npos) << stats;
  EXPECT_NE(stats.find("pool: "), std::string::npos) << stats;
  // Line editing: history recall with the Up arrow re-runs the first query.
  // .stats, .history, .schema, the DELETE, the SELECT: five steps back.
  run_command(tmux + "send-keys -t shell Up Up Up Up Up Enter");
  type(".stats");
  EXPECT_NE(wait_for("session: 3 queries").find("session: 3 queries, 1 failed or denied"),
            std::string::npos);
  type(".quit");
  for (int i = 0; i < 100 && run_command(tmux + "has-session -t shell 2>/dev/null").exit_code == 0;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_NE(run_command(tmux + "has-session -t shell 2>/dev/null").exit_code, 0)
      << ".quit did not exit";
  run_command(tmux + "kill-server 2>/dev/null");
  std::ifstream saved(proxy_->dir() + "/.sqlwarden_shell_history");
  std::string all((std::istreambuf_iterator<char>(saved)), {});
  EXPECT_NE(all.find(".schema ai_models"), std::string::npos) << "history file not written";
}

}  // namespace
}  // namespace sw::test
