// The cache key must separate every pair of requests that can get
// different decisions, and should join requests that differ only in
// literal values.
#include <string>

#include <gtest/gtest.h>

#include "parsers/normalizer.hpp"
#include "policy/decision_cache.hpp"
#include "policy/policy_gate.hpp"
#include "policy/profile.hpp"

namespace {

using sw::parsers::Dialect;
using sw::parsers::MysqlLexOptions;

std::string key(Dialect d, std::string_view sql, MysqlLexOptions o = {}) {
  std::string out;
  auto r = sw::parsers::normalize(d, o, sql, out);
  EXPECT_TRUE(r.ok()) << sql;
  return out;
}

TEST(CacheKey, LiteralsCollapse) {
  for (auto d : {Dialect::postgres, Dialect::mysql}) {
    EXPECT_EQ(key(d, "SELECT * FROM t WHERE a = 'x' AND b = 1"),
              key(d, "select  *\nfrom T where A = 'other' and B = 2.5e3"));
    EXPECT_EQ(key(d, "SELECT 1 FROM t WHERE id IN (1,2,3)"),
              key(d, "SELECT 1 FROM t WHERE id IN (4)"));
    EXPECT_EQ(key(d, "SELECT 1 -- c\n FROM /* x */ t"), key(d, "SELECT 1 FROM t"));
  }
  EXPECT_EQ(key(Dialect::postgres, "SELECT $$x$$, E'\\'', $1"),
            key(Dialect::postgres, "SELECT 'a', 'b', $2"));
}

// The audit trail caches the normalised text by fingerprint (the key's
// hash): requests with one key must render one text.
TEST(CacheKey, OneKeyOneNormalisedText) {
  const std::pair<const char*, const char*> same[] = {
      {"SELECT * FROM t WHERE a = 'x' AND b = 1", "select  *\nfrom T where A = 'y' and B = 2"},
      {"SELECT 1 FROM t WHERE id IN (1,2,3)", "SELECT 1 FROM t WHERE id in ( 4 )"},
      {"SELECT 1 FROM t WHERE id IN (1, 2) AND x IN ('a')",
       "SELECT 1 FROM t WHERE id IN (3) AND x IN ('b', 'c')"},
      {"SELECT 1 -- c\n FROM /* x */ t", "SELECT 1 FROM t"},
  };
  for (auto d : {Dialect::postgres, Dialect::mysql})
    for (const auto& [a, b] : same) {
      ASSERT_EQ(key(d, a), key(d, b)) << a;
      EXPECT_EQ(sw::parsers::normalized_text(d, {}, a), sw::parsers::normalized_text(d, {}, b))
          << a;
    }
  EXPECT_EQ(
      sw::parsers::normalized_text(Dialect::postgres, {}, "SELECT 1 FROM t WHERE id IN (1,2,3)"),
      "select ? from t where id in(...)");
  EXPECT_EQ(sw::parsers::normalized_text(Dialect::postgres, {}, "SELECT 1 WHERE id IN ($1, $2)"),
            sw::parsers::normalized_text(Dialect::postgres, {}, "SELECT 1 WHERE id IN ($1)"));
  // Not a list of literals: kept as written.
  EXPECT_EQ(
      sw::parsers::normalized_text(Dialect::postgres, {}, "SELECT 1 FROM t WHERE id IN (a, 2)"),
      "select ? from t where id in(a, ?)");
}

TEST(CacheKey, NamesOperatorsAndStructureStay) {
  for (auto d : {Dialect::postgres, Dialect::mysql}) {
    EXPECT_NE(key(d, "SELECT pg_sleep(1)"), key(d, "SELECT 1"));
    EXPECT_NE(key(d, "SELECT a FROM t1"), key(d, "SELECT a FROM t2"));
    EXPECT_NE(key(d, "SELECT 1 FROM t WHERE id IN (1, f(2))"),
              key(d, "SELECT 1 FROM t WHERE id IN (1, 2)"));
    EXPECT_NE(key(d, "SELECT a < = b"), key(d, "SELECT a <= b"));
    EXPECT_NE(key(d, "SELECT 1; SELECT 2"), key(d, "SELECT 1, SELECT 2"));
    EXPECT_NE(key(d, "SELECT 1"), key(d, "SELECT 1;"));
  }
  // Quoted names keep their case and quotes: "T" and t are different tables in PG.
  EXPECT_NE(key(Dialect::postgres, "SELECT * FROM \"T\""),
            key(Dialect::postgres, "SELECT * FROM t"));
  // PG: "1abc" is an error, "1 abc" an alias.
  EXPECT_NE(key(Dialect::postgres, "SELECT 1abc"), key(Dialect::postgres, "SELECT 1 abc"));
  // MySQL: `--1` is an operator pair, `-- 1` a comment.
  EXPECT_NE(key(Dialect::mysql, "SELECT 1--1"), key(Dialect::mysql, "SELECT 1-- 1"));
  // MySQL: 1abc is an identifier, `1 abc` a number and an alias.
  EXPECT_NE(key(Dialect::mysql, "SELECT 1abc"), key(Dialect::mysql, "SELECT 1 abc"));
  // MySQL: db.123 names a table; db.124 another.
  EXPECT_NE(key(Dialect::mysql, "SELECT * FROM db.123"),
            key(Dialect::mysql, "SELECT * FROM db.124"));
  // MySQL: user variable vs '@' operator.
  EXPECT_NE(key(Dialect::mysql, "SELECT @a := 1"), key(Dialect::mysql, "SELECT @ a := 1"));
  // PG: a string continued over a newline is one literal; on one line two.
  EXPECT_NE(key(Dialect::postgres, "SELECT 'a'\n'b'"), key(Dialect::postgres, "SELECT 'a' 'b'"));
}

TEST(CacheKey, ExecutableCommentsAreInTheKey) {
  auto d = Dialect::mysql;
  EXPECT_NE(key(d, "SELECT /*! SLEEP(1) */"), key(d, "SELECT /* SLEEP(1) */"));
  EXPECT_NE(key(d, "SELECT /*!50000 1 */"), key(d, "SELECT /*!99999 1 */"));
  EXPECT_NE(key(d, "SELECT /*!50000 1 */"), key(d, "SELECT /*! 1 */"));
  EXPECT_NE(key(d, "SELECT /*M!50000 1 */"), key(d, "SELECT /*!50000 1 */"));
  EXPECT_NE(key(d, "SELECT /*+ BKA(t) */ 1"), key(d, "SELECT 1"));
}

TEST(CacheKey, SqlModeChangesLexing) {
  // The same bytes lex differently under NO_BACKSLASH_ESCAPES.
  const char* sql = "SELECT 'a\\'; DROP TABLE t; -- '";
  std::string with = key(Dialect::mysql, sql);
  std::string without = key(Dialect::mysql, sql, MysqlLexOptions{true, false});
  EXPECT_NE(with, without);
  // And the gate keys include the flags, so decisions differ.
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.protocol = sw::Protocol::mysql;
  s.profile = "exo_ai";
  EXPECT_TRUE(gate.check(s, sql).allowed);
  s.no_backslash_escapes = true;
  EXPECT_FALSE(gate.check(s, sql).allowed);
  s.no_backslash_escapes = false;
  EXPECT_TRUE(gate.check(s, sql).allowed);
}

TEST(CacheKey, DatabaseIsPartOfTheKey) {
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.protocol = sw::Protocol::mysql;
  s.profile = "exo_ai";
  s.database = "exo_cluster";
  EXPECT_TRUE(gate.check(s, "SELECT * FROM user").allowed);
  s.database = "mysql";
  EXPECT_FALSE(gate.check(s, "SELECT * FROM user").allowed);
}

TEST(CacheKey, LengthLimitIsCheckedBeforeTheCache) {
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.profile = "exo_ai";
  EXPECT_TRUE(gate.check(s, "SELECT 'a'").allowed);
  auto d = gate.check(s, "SELECT '" + std::string(10000, 'a') + "'");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "too_long");
}

TEST(DecisionCache, BoundedWithClock) {
  sw::policy::DecisionCache cache(64);
  sw::policy::Verdict v;
  for (std::uint64_t i = 0; i < 10000; ++i)
    cache.insert(i * 0x9E3779B97F4A7C15ull, std::to_string(i), v);
  EXPECT_LE(cache.size(), cache.capacity());
  EXPECT_EQ(cache.capacity(), 64u);
  // A hot entry survives a stream of cold ones.
  cache.clear();
  std::uint64_t hot = 42;
  cache.insert(hot, "hot", v);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    ASSERT_NE(cache.find(hot, "hot"), nullptr) << i;
    cache.insert(hot + (i + 1) * 128 * 8, "cold" + std::to_string(i), v);  // same set
  }
  // Same hash, different key: a miss, never a false hit.
  EXPECT_EQ(cache.find(hot, "HOT"), nullptr);
}

TEST(PolicyGate, LexingHazardsFailClosed) {
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.profile = "exo_ai";
  s.standard_conforming_strings = false;
  EXPECT_EQ(gate.check(s, "SELECT 'a\\'; DROP TABLE t; --'").rule, "unsupported");
  EXPECT_TRUE(gate.check(s, "SELECT 'a'").allowed);
  s.profile = "allow_all";
  EXPECT_TRUE(gate.check(s, "SELECT 'a\\'").allowed);
  sw::policy::SessionContext m;
  m.protocol = sw::Protocol::mysql;
  m.profile = "exo_ai";
  m.ambiguous_multibyte_charset = true;
  EXPECT_EQ(gate.check(m, "SELECT '\xbf\x27 OR 1=1 -- '").rule, "unsupported");
  EXPECT_TRUE(gate.check(m, "SELECT 'plain ascii'").allowed);
}

TEST(PolicyGate, UnknownProfileDeniesEverything) {
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.profile = "";
  auto d = gate.check(s, "SELECT 1");
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.rule, "unknown_profile");
  EXPECT_FALSE(d.message.empty());
}

TEST(PolicyGate, EveryDenialHasRuleAndMessage) {
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.profile = "exo_ai";
  for (const char* sql :
       {"DROP TABLE t", "", "SELEC", "SELECT 1; SELECT 2", "SELECT pg_sleep(1)"}) {
    auto d = gate.check(s, sql);
    EXPECT_FALSE(d.allowed) << sql;
    EXPECT_FALSE(d.rule.empty()) << sql;
    EXPECT_FALSE(d.message.empty()) << sql;
    auto again = gate.check(s, sql);
    EXPECT_EQ(again.rule, d.rule);
    EXPECT_EQ(again.message, d.message);
  }
  auto ok = gate.check(s, "SELECT 1");
  EXPECT_TRUE(ok.allowed);
  EXPECT_TRUE(ok.rule.empty());
  EXPECT_TRUE(ok.message.empty());
}

}  // namespace
