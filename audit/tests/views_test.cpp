// In-memory views: history ring per tenant, digests, slow log cursors.
#include <gtest/gtest.h>

#include "audit/digests.hpp"
#include "audit/history.hpp"
#include "audit/slow_log.hpp"

namespace {

using namespace sw::audit;

AuditRecord rec(std::uint64_t seq, std::string tenant, std::string user, std::uint64_t fp,
                std::uint64_t us) {
  AuditRecord r;
  r.seq = seq;
  r.tenant = std::move(tenant);
  r.user = std::move(user);
  r.database = "db";
  r.fingerprint = fp;
  r.duration_us = us;
  r.rows = 1;
  r.time = std::chrono::system_clock::time_point(std::chrono::seconds(seq));
  return r;
}

TEST(History, KeepsLastNPerTenantAndFilters) {
  HistoryRing h(3);
  for (std::uint64_t i = 1; i <= 10; ++i) h.add(rec(i, i % 2 ? "a" : "b", i < 9 ? "u" : "v", 1, 1));
  auto all = h.query({0, "", "", 0});
  ASSERT_EQ(all.size(), 6u);  // 3 per tenant
  EXPECT_EQ(all.front().seq, 5u);
  EXPECT_EQ(all.back().seq, 10u);
  auto a = h.query({0, "a", "", 0});
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].seq, 5u);
  auto v = h.query({0, "", "v", 0});
  ASSERT_EQ(v.size(), 2u);
  auto since = h.query({0, "", "", 8});
  ASSERT_EQ(since.size(), 2u);
  auto limited = h.query({2, "", "", 0});
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[1].seq, 10u);
}

TEST(Digests, CountsErrorsRowsAndPercentiles) {
  DigestTable d(2);
  for (int i = 0; i < 100; ++i) d.add(rec(i, "t", "u", 1, i < 60 ? 1000 : 3000));
  AuditRecord failed = rec(200, "t", "u", 1, 5000);
  failed.error_code = "23505";
  d.add(failed);
  d.add(rec(201, "t", "u", 2, 100));
  d.add(rec(202, "t", "u", 3, 100));  // a third key: over max_digests
  AuditRecord denied = rec(203, "t", "u", 1, 0);
  denied.event = Event::denied;
  d.add(denied);  // not a statement that ran
  auto rows = d.top(DigestSort::total_time, 0);
  ASSERT_EQ(rows.size(), 2u);
  const DigestRow& r = rows[0];
  EXPECT_EQ(r.key.fingerprint, 1u);
  EXPECT_EQ(r.count, 101u);
  EXPECT_EQ(r.errors, 1u);
  EXPECT_EQ(r.rows, 101u);
  EXPECT_EQ(r.total_us, 60 * 1000u + 40 * 3000u + 5000u);
  EXPECT_EQ(r.min_us, 1000u);
  EXPECT_EQ(r.max_us, 5000u);
  EXPECT_NEAR(static_cast<double>(r.p50_us), 1000, 50);
  EXPECT_NEAR(static_cast<double>(r.p95_us), 3000, 150);
  EXPECT_EQ(r.first_seen, std::chrono::system_clock::time_point(std::chrono::seconds(0)));
  EXPECT_EQ(r.last_seen, std::chrono::system_clock::time_point(std::chrono::seconds(200)));
  EXPECT_EQ(d.overflow(), 1u);
  EXPECT_EQ(d.top(DigestSort::count, 1).size(), 1u);
  d.reset();
  EXPECT_EQ(d.size(), 0u);
  EXPECT_EQ(d.overflow(), 0u);
}

TEST(SlowLog, CursorNeverSkipsOrRepeats) {
  SlowLog s(5);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(s.add(rec(i, "t", "u", 1, 1)), std::uint64_t(i + 1));
  auto p = s.since(0, 2);
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.next_cursor, 2u);
  p = s.since(p.next_cursor, 10);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].cursor, 3u);
  EXPECT_EQ(p.missed, 0u);
  p = s.since(p.next_cursor, 10);
  EXPECT_TRUE(p.entries.empty());
  EXPECT_EQ(p.next_cursor, 3u);
  for (int i = 0; i < 7; ++i) s.add(rec(i, "t", "u", 1, 1));  // cursors 4..10, ring keeps 6..10
  p = s.since(3, 100);
  EXPECT_EQ(p.missed, 2u);  // 4 and 5 are gone, and the reader is told
  ASSERT_EQ(p.entries.size(), 5u);
  EXPECT_EQ(p.entries.front().cursor, 6u);
  EXPECT_EQ(p.next_cursor, 10u);
}

}  // namespace
