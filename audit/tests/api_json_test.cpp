// Admin endpoint bodies: shapes, parameters, tenant scope, cursor paging.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audit/api_json.hpp"

namespace {

using namespace sw;
using namespace sw::audit;
using nlohmann::json;

std::unique_ptr<AuditTrail> trail_with_records() {
  Config c;
  for (const char* name : {"a", "b"}) {
    TenantConfig t;
    t.name = name;
    t.slow_threshold_ms = 10;
    c.tenants.push_back(t);
  }
  auto trail = AuditTrail::start(c, 1);
  EXPECT_TRUE(trail.ok());
  for (int i = 0; i < 20; ++i) {
    AuditRecord r;
    r.tenant = i % 2 ? "a" : "b";
    r.user = i < 10 ? "u1" : "u2";
    r.database = "db";
    r.fingerprint = static_cast<std::uint64_t>(i % 4);
    r.kind = "select";
    r.normalized = "select ?";
    r.text = "SELECT 'secret-free " + std::to_string(i) + "'";
    r.duration_us = static_cast<std::uint64_t>(i) * 1000;  // i ms: 10..19 are slow
    r.rows = 1;
    (*trail)->submit(0, std::move(r));
  }
  (*trail)->flush();
  return std::move(*trail);
}

json parse(const Result<std::string>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? json::parse(*r) : json();
}

TEST(ApiJson, AuditFiltersAndScope) {
  auto t = trail_with_records();
  json j = parse(api::audit_json(*t, {}, ""));
  EXPECT_EQ(j["count"], 20);
  EXPECT_EQ(j["records"][0]["seq"], 1);
  j = parse(api::audit_json(*t, {"5", "a", "u2", std::nullopt}, ""));
  ASSERT_EQ(j["count"], 5);
  for (const auto& r : j["records"]) {
    EXPECT_EQ(r["tenant"], "a");
    EXPECT_EQ(r["user"], "u2");
  }
  j = parse(api::audit_json(*t, {std::nullopt, std::nullopt, std::nullopt, "18"}, ""));
  EXPECT_EQ(j["count"], 2);
  j = parse(api::audit_json(*t, {}, "b"));  // a scoped token sees its tenant only
  EXPECT_EQ(j["count"], 10);
  for (const auto& r : j["records"]) EXPECT_EQ(r["tenant"], "b");
  EXPECT_FALSE(api::audit_json(*t, {std::nullopt, "a", std::nullopt, std::nullopt}, "b").ok());
  EXPECT_FALSE(api::audit_json(*t, {"lots", std::nullopt, std::nullopt, std::nullopt}, "").ok());
}

TEST(ApiJson, QueriesSortedAndReset) {
  auto t = trail_with_records();
  json j = parse(api::queries_json(*t, {"total_time", "2"}, ""));
  ASSERT_EQ(j["count"], 2);
  EXPECT_GE(j["queries"][0]["total_time_us"], j["queries"][1]["total_time_us"]);
  for (const char* key : {"tenant", "user", "database", "fingerprint", "kind", "normalized",
                          "count", "errors", "rows", "total_time_us", "min_us", "max_us", "p50_us",
                          "p95_us", "p99_us", "first_seen", "last_seen"})
    EXPECT_TRUE(j["queries"][0].contains(key)) << key;
  j = parse(api::queries_json(*t, {"p99", std::nullopt}, "a"));
  for (const auto& q : j["queries"]) EXPECT_EQ(q["tenant"], "a");
  EXPECT_FALSE(api::queries_json(*t, {"fastest", std::nullopt}, "").ok());
  EXPECT_EQ(json::parse(api::reset_json(*t, "a"))["reset"], j["count"]);
  EXPECT_EQ(parse(api::queries_json(*t, {}, "a"))["count"], 0);
  EXPECT_GT(parse(api::queries_json(*t, {}, "b"))["count"], 0);
}

TEST(ApiJson, SlowPagesWithoutGapsOrDuplicates) {
  auto t = trail_with_records();
  std::vector<int> seen;
  std::string since = "0";
  for (int guard = 0; guard < 20; ++guard) {
    json j = parse(api::slow_json(*t, {since, "3"}, ""));
    for (const auto& e : j["entries"]) seen.push_back(e["cursor"]);
    if (j["count"] == 0) break;
    since = std::to_string(j["next_cursor"].get<std::uint64_t>());
  }
  ASSERT_EQ(seen.size(), 10u);  // 10..19 ms
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int>(i + 1));
  json scoped = parse(api::slow_json(*t, {"0", "2"}, "a"));
  ASSERT_EQ(scoped["count"], 2);
  for (const auto& e : scoped["entries"]) EXPECT_EQ(e["tenant"], "a");
  json rest =
      parse(api::slow_json(*t, {std::to_string(scoped["next_cursor"].get<int>()), "0"}, "a"));
  EXPECT_EQ(rest["count"], 3);  // 5 slow statements of tenant a in all, none twice
}

}  // namespace
