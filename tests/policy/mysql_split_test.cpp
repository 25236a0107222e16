// Differential test: the MySQL lexer must split a multi-statement request
// exactly where the fixture MariaDB does. Each line of mysql_split.jsonl
// (and every golden-corpus line that is harmless to run is NOT used: running
// DELETE/DROP on the fixture would change it) is sent with
// CLIENT_MULTI_STATEMENTS; the number of results the server returns (plus
// one for an error, which ends the batch) must equal the lexer's count.
#include <mysql.h>

#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "parsers/normalizer.hpp"
#include "tests/support/test_env.hpp"

namespace {

int server_statement_count(MYSQL* m, const std::string& sql, std::string& error) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    error = mysql_error(m);
    return 1;
  }
  int count = 0;
  while (true) {
    ++count;
    if (MYSQL_RES* r = mysql_store_result(m)) mysql_free_result(r);
    int status = mysql_next_result(m);
    if (status < 0) break;
    if (status > 0) {
      error = mysql_error(m);
      ++count;
      break;
    }
  }
  return count;
}

TEST(MysqlSplit, LexerAgreesWithMariaDB) {
  const auto& servers = sw::test::servers();
  ASSERT_NE(servers.my_port, 0);
  MYSQL* m = mysql_init(nullptr);
  ASSERT_NE(m, nullptr);
  ASSERT_NE(mysql_real_connect(m, servers.my_host.c_str(), "app", "app", "exo_cluster",
                               servers.my_port, nullptr, CLIENT_MULTI_STATEMENTS),
            nullptr)
      << mysql_error(m);
  std::ifstream in(SW_POLICY_CORPUS_DIR "/mysql_split.jsonl");
  ASSERT_TRUE(in.good());
  std::string line, key;
  std::size_t cases = 0, disagreements = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    std::string sql = j.at("sql").get<std::string>();
    std::string mode = j.value("sql_mode", std::string());
    sw::parsers::MysqlLexOptions opts;
    opts.no_backslash_escapes = mode.find("NO_BACKSLASH_ESCAPES") != std::string::npos;
    opts.ansi_quotes = mode.find("ANSI_QUOTES") != std::string::npos;
    std::string set = fmt::format("SET SESSION sql_mode = '{}'", mode.empty() ? "DEFAULT" : mode);
    if (mode.empty()) set = "SET SESSION sql_mode = DEFAULT";
    ASSERT_EQ(mysql_query(m, set.c_str()), 0) << mysql_error(m);
    key.clear();
    auto lexed = sw::parsers::normalize(sw::parsers::Dialect::mysql, opts, sql, key);
    std::string error;
    int server = server_statement_count(m, sql, error);
    ++cases;
    int ours = lexed.ok() ? static_cast<int>(lexed.server_statements) : -1;
    if (ours != server) {
      ++disagreements;
      ADD_FAILURE() << fmt::format("lexer {} vs server {} ({}) [{}]: {}", ours, server, error, mode,
                                   sql);
    }
  }
  mysql_close(m);
  EXPECT_GE(cases, 300u);
  EXPECT_EQ(disagreements, 0u);
}

}  // namespace
