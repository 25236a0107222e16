// `sqlwarden policy-check`: JSON lines in, one JSON decision per line out.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/command.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

std::vector<nlohmann::json> run(const std::string& args, const std::string& input, int& exit_code) {
  std::string dir = make_temp_dir("policy_check");
  std::string in = dir + "/in.jsonl";
  std::ofstream(in) << input;
  auto r = run_command(sqlwarden_binary() + " policy-check " + args + " < " + shell_quote(in));
  exit_code = r.exit_code;
  std::vector<nlohmann::json> out;
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line))
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(PolicyCheck, JudgesEveryLine) {
  int code = -1;
  auto out = run("--dialect postgres --profile exo_ai",
                 "{\"sql\": \"SELECT * FROM ai_models\"}\n"
                 "{\"sql\": \"DROP TABLE ai_models\"}\n"
                 "{\"sql\": \"SELECT 1; DELETE FROM ai_models\"}\n"
                 "not json\n",
                 code);
  EXPECT_EQ(code, 0);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0]["decision"], "allow");
  EXPECT_EQ(out[0]["kind"], "select");
  EXPECT_EQ(out[0]["reason"], "");
  EXPECT_EQ(out[0]["fingerprint"].get<std::string>().size(), 16u);
  EXPECT_EQ(out[1]["decision"], "deny");
  EXPECT_EQ(out[1]["kind"], "ddl");
  EXPECT_EQ(out[1]["reason"], "kind_not_allowed");
  EXPECT_NE(out[1]["message"].get<std::string>().find("DROP TABLE"), std::string::npos);
  EXPECT_EQ(out[2]["reason"], "multiple_statements");
  EXPECT_EQ(out[3]["decision"], "deny");
  EXPECT_EQ(out[3]["reason"], "invalid_input");
}

TEST(PolicyCheck, MysqlAndSqlModeFlags) {
  int code = -1;
  std::string input = "{\"sql\": \"SELECT 'a\\\\'; DROP TABLE t; -- '\"}\n";
  auto normal = run("--dialect mysql --profile read_only", input, code);
  ASSERT_EQ(normal.size(), 1u);
  EXPECT_EQ(normal[0]["decision"], "allow");
  auto nbe = run("--dialect mysql --profile read_only --no-backslash-escapes", input, code);
  ASSERT_EQ(nbe.size(), 1u);
  EXPECT_EQ(nbe[0]["decision"], "deny");
}

TEST(PolicyCheck, UnknownProfileIsAnError) {
  int code = -1;
  auto out = run("--dialect postgres --profile nope", "{\"sql\": \"SELECT 1\"}\n", code);
  EXPECT_NE(code, 0);
  EXPECT_TRUE(out.empty());
}

TEST(PolicyCheck, CustomProfileFromConfig) {
  std::string dir = make_temp_dir("policy_check_cfg");
  std::string cfg = dir + "/sqlwarden.toml";
  std::ofstream(cfg) << R"(
[[tenants]]
name = "t"
[tenants.postgres]
listen = "127.0.0.1:1"
backend = "127.0.0.1:2"
[profiles.no_md5]
base = "exo_ai"
denied_functions = ["@default", "md5"]
)";
  int code = -1;
  auto out = run("--dialect postgres --profile no_md5 --config " + shell_quote(cfg),
                 "{\"sql\": \"SELECT md5('x')\"}\n{\"sql\": \"SELECT lower('x')\"}\n", code);
  EXPECT_EQ(code, 0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0]["reason"], "denied_function");
  EXPECT_EQ(out[1]["decision"], "allow");
}

}  // namespace
}  // namespace sw::test
