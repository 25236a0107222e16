// The per-session tracker: FIFO completion (pipelines, multi-results),
// durations from first byte sent to last byte received, abandon on loss.
#include <gtest/gtest.h>

#include "audit/statement_tracker.hpp"

namespace {

using namespace sw::audit;
using Clock = StatementTracker::Clock;

AuditRecord named(std::string text) {
  AuditRecord r;
  r.text = std::move(text);
  return r;
}

TEST(StatementTracker, FinishesInOrderWithDurations) {
  StatementTracker t;
  Clock::time_point t0{};
  t.begin(named("a"), t0);
  t.begin(named("b"), t0 + std::chrono::microseconds(10));
  EXPECT_EQ(t.in_flight(), 2u);
  AuditRecord r;
  ASSERT_TRUE(t.finish(t0 + std::chrono::microseconds(1500), 3, "", "", r));
  EXPECT_EQ(r.text, "a");
  EXPECT_EQ(r.duration_us, 1500u);
  EXPECT_EQ(r.rows, 3);
  EXPECT_FALSE(r.failed());
  ASSERT_TRUE(t.finish(t0 + std::chrono::microseconds(2010), -1, "42P01", "no table", r));
  EXPECT_EQ(r.text, "b");
  EXPECT_EQ(r.duration_us, 2000u);
  EXPECT_TRUE(r.failed());
  EXPECT_FALSE(t.finish(t0, 0, "", "", r));
  EXPECT_TRUE(t.empty());
}

TEST(StatementTracker, AbandonEndsEveryStatementAsFailed) {
  StatementTracker t;
  t.begin(named("a"), Clock::now());
  t.begin(named("b"), Clock::now());
  std::vector<AuditRecord> out;
  t.abandon(Clock::now(), "server connection lost", [&](AuditRecord&& r) { out.push_back(r); });
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].error_code, "08006");
  EXPECT_EQ(out[1].text, "b");
  EXPECT_TRUE(t.empty());
}

}  // namespace
