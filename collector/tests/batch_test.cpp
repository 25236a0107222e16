#include "collector/batch.hpp"

#include <gtest/gtest.h>

#include "parsers/normalizer.hpp"

namespace sw::collector {
namespace {

using nlohmann::json;
const auto kNow = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));

std::uint64_t fingerprint_of(parsers::Dialect d, std::string_view sql) {
  std::string key;
  return parsers::normalize(d, {}, sql, key).fingerprint;
}

TEST(Batch, FingerprintsWithTheProxysNormaliser) {
  json body = {{"batch_id", "b1"},
               {"source", "mysql.slow_log"},
               {"queries",
                {{{"query", "SELECT SLEEP(0.6)"}, {"query_time_ms", 600.4}, {"db", "app"}},
                 {{"sql_text", "select sleep(0.7)"}, {"query_time", 0.7}, {"rows_sent", 1}}}}};
  auto b = parse_batch(body, parsers::Dialect::mysql, kNow, 100);
  ASSERT_TRUE(b) << b.error().message;
  ASSERT_EQ(b->queries.size(), 2u);
  EXPECT_EQ(b->queries[0].fingerprint, b->queries[1].fingerprint);
  EXPECT_EQ(b->queries[0].fingerprint, fingerprint_of(parsers::Dialect::mysql, "SELECT SLEEP(1)"));
  EXPECT_EQ(b->queries[0].duration_us, 600400u);
  EXPECT_EQ(b->queries[1].duration_us, 700000u);
  EXPECT_EQ(b->queries[0].database, "app");
  EXPECT_EQ(b->queries[1].rows, 1);
  EXPECT_EQ(b->queries[0].kind, "select");
  EXPECT_EQ(b->queries[0].normalized.find("0.6"), std::string::npos) << "literals are dropped";
  EXPECT_EQ(b->queries[0].time, kNow);
}

TEST(Batch, KeepsAFingerprintItIsGiven) {
  json body = {{"batch_id", "b1"},
               {"queries",
                {{{"query", "SELECT 1"},
                  {"fingerprint", "00000000000000ab"},
                  {"normalized", "select ?"},
                  {"query_time_ms", 1},
                  {"calls", 3},
                  {"start_time", "2026-12-02T14:00:00.5Z"}}}}};
  auto b = parse_batch(body, parsers::Dialect::postgres, kNow, 100);
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->queries[0].fingerprint, 0xabu);
  EXPECT_EQ(b->queries[0].calls, 3u);
  auto expected = parse_utc_time("2026-12-02 14:00:00.500000");
  ASSERT_TRUE(expected);
  EXPECT_EQ(b->queries[0].time, *expected);
}

TEST(Batch, RejectsBadInputWithAClearMessage) {
  auto bad = [](json body) {
    auto b = parse_batch(body, parsers::Dialect::mysql, kNow, 2);
    EXPECT_FALSE(b) << body.dump();
    return b ? std::string() : b.error().message;
  };
  EXPECT_NE(bad({{"queries", json::array()}}).find("batch_id"), std::string::npos);
  EXPECT_NE(bad({{"batch_id", ""}, {"queries", json::array()}}).find("batch_id"),
            std::string::npos);
  EXPECT_NE(bad({{"batch_id", "x"}}).find("queries"), std::string::npos);
  EXPECT_NE(bad({{"batch_id", "x"}, {"queries", {{{"query", "select 1"}}}}}).find("query_time"),
            std::string::npos);
  EXPECT_NE(
      bad({{"batch_id", "x"}, {"queries", {{{"query", 5}, {"query_time", 1}}}}}).find("queries[0]"),
      std::string::npos);
  EXPECT_NE(
      bad({{"batch_id", "x"}, {"queries", {{{"query", "s"}, {"query_time", 1}, {"calls", 0}}}}})
          .find("calls"),
      std::string::npos);
  EXPECT_NE(bad({{"batch_id", "x"}, {"queries", json::array({1, 2, 3})}}).find("at most 2"),
            std::string::npos);
  EXPECT_NE(bad({{"batch_id", "x"},
                 {"queries", {{{"query", "s"}, {"query_time", 1}, {"start_time", "yesterday"}}}}})
                .find("start_time"),
            std::string::npos);
}

TEST(Batch, StoredFormRoundTrips) {
  json body = {
      {"batch_id", "b9"},
      {"source", "pg_stat_statements"},
      {"queries", {{{"query", "select pg_sleep($1)"}, {"query_time_ms", 600}, {"calls", 3}}}}};
  auto b = parse_batch(body, parsers::Dialect::postgres, kNow, 10);
  ASSERT_TRUE(b) << b.error().message;
  auto back = batch_from_stored(stored_batch_json(*b));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->batch_id, "b9");
  ASSERT_EQ(back->queries.size(), 1u);
  EXPECT_EQ(back->queries[0].fingerprint, b->queries[0].fingerprint);
  EXPECT_EQ(back->queries[0].normalized, b->queries[0].normalized);
  EXPECT_EQ(back->queries[0].calls, 3u);
  EXPECT_EQ(back->queries[0].duration_us, 600000u);
  EXPECT_EQ(back->queries[0].time, kNow);
}

}  // namespace
}  // namespace sw::collector
