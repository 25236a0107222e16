// Golden corpora: tests/policy/{pg,mysql}.jsonl hold one case per line,
//   {"sql": "...", "exo_ai": "allow"|"deny", "read_only": "allow"|"deny",
//    "rule": "<expected exo_ai rule>"?, "no_backslash_escapes": true?,
//    "ansi_quotes": true?, "database": "..."?, "note": "..."?}
// Every case is checked under both profiles, twice (the second answer comes
// from the decision cache and must be the same).
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "policy/policy_gate.hpp"
#include "policy/profile.hpp"

namespace {

using sw::policy::Decision;
using sw::policy::PolicyGate;
using sw::policy::SessionContext;

struct Outcome {
  std::size_t cases = 0;
  std::size_t failures = 0;
};

Outcome run_corpus(const std::string& file, sw::Protocol protocol) {
  Outcome o;
  std::ifstream in(file);
  EXPECT_TRUE(in.good()) << "cannot open " << file;
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  EXPECT_TRUE(profiles.ok());
  PolicyGate gate(profiles.value());
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      ADD_FAILURE() << file << ":" << lineno << ": not JSON";
      ++o.failures;
      continue;
    }
    ++o.cases;
    std::string sql = j.at("sql").get<std::string>();
    std::string database = j.value("database", std::string("exo_cluster"));
    for (const char* profile : {"exo_ai", "read_only"}) {
      if (!j.contains(profile)) continue;
      SessionContext s;
      s.protocol = protocol;
      s.profile = profile;
      s.database = database;
      s.no_backslash_escapes = j.value("no_backslash_escapes", false);
      s.ansi_quotes = j.value("ansi_quotes", false);
      bool want_allow = j.at(profile).get<std::string>() == "allow";
      for (int round = 0; round < 2; ++round) {
        Decision d = gate.check(s, sql);
        bool bad = d.allowed != want_allow;
        if (!bad && !want_allow && std::string(profile) == "exo_ai" && j.contains("rule") &&
            d.rule != j.at("rule").get<std::string>())
          bad = true;
        if (bad) {
          ++o.failures;
          ADD_FAILURE() << fmt::format(
              "{}:{} [{}{}] want {}{}, got {} ({}: {})\n  sql: {}", file, lineno, profile,
              round ? ", cached" : "", want_allow ? "allow" : "deny",
              j.contains("rule") ? " " + j.at("rule").get<std::string>() : "",
              d.allowed ? "allow" : "deny", d.rule, d.message, sql.substr(0, 300));
          break;
        }
      }
    }
  }
  return o;
}

TEST(PolicyGolden, PostgresCorpus) {
  Outcome o = run_corpus(SW_POLICY_CORPUS_DIR "/pg.jsonl", sw::Protocol::postgres);
  EXPECT_GE(o.cases, 250u);
  EXPECT_EQ(o.failures, 0u);
}

TEST(PolicyGolden, MysqlCorpus) {
  Outcome o = run_corpus(SW_POLICY_CORPUS_DIR "/mysql.jsonl", sw::Protocol::mysql);
  EXPECT_GE(o.cases, 250u);
  EXPECT_EQ(o.failures, 0u);
}

}  // namespace
