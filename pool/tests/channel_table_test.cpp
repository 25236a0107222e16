#include <gtest/gtest.h>

#include "pool/channel_table.hpp"

namespace sw::pool {
namespace {

using Names = std::vector<std::string>;

TEST(ChannelTable, FirstSubscriberListensLastUnlistens) {
  ChannelTable t;
  EXPECT_TRUE(t.subscribe(1, "a"));  // not listened yet: wait for confirm
  EXPECT_TRUE(t.subscribe(2, "a"));
  auto p = t.plan();
  EXPECT_EQ(p.listen, Names{"a"});
  EXPECT_TRUE(p.unlisten.empty());
  t.confirm(p);
  EXPECT_TRUE(t.plan().empty());
  EXPECT_FALSE(t.subscribe(3, "a"));  // already listened: no wait
  EXPECT_EQ(t.subscribers("a").size(), 3u);
  EXPECT_EQ(t.subscription_count(), 3u);
  t.unsubscribe(1, "a");
  t.unsubscribe(2, "a");
  EXPECT_TRUE(t.plan().empty());  // 3 still listens
  t.unsubscribe(3, "a");
  p = t.plan();
  EXPECT_EQ(p.unlisten, Names{"a"});
  t.confirm(p);
  EXPECT_TRUE(t.idle());
  EXPECT_TRUE(t.subscribers("a").empty());
}

TEST(ChannelTable, SubscribeIsIdempotentAndUnknownUnsubscribeHarmless) {
  ChannelTable t;
  t.subscribe(1, "a");
  t.subscribe(1, "a");
  EXPECT_EQ(t.subscription_count(), 1u);
  t.unsubscribe(1, "nope");
  t.unsubscribe(9, "a");
  EXPECT_EQ(t.subscribers("a").size(), 1u);
}

TEST(ChannelTable, UnsubscribeAllReleasesEveryChannel) {
  ChannelTable t;
  t.subscribe(1, "a");
  t.subscribe(1, "b");
  t.subscribe(2, "b");
  t.confirm(t.plan());
  t.unsubscribe_all(1);
  EXPECT_EQ(t.subscriber_count(), 1u);
  EXPECT_EQ(t.subscription_count(), 1u);
  auto p = t.plan();
  EXPECT_EQ(p.unlisten, Names{"a"});
  EXPECT_TRUE(p.listen.empty());
}

TEST(ChannelTable, ResubscribeBeforeUnlistenKeepsTheChannel) {
  ChannelTable t;
  t.subscribe(1, "a");
  t.confirm(t.plan());
  t.unsubscribe(1, "a");
  EXPECT_FALSE(t.subscribe(2, "a"));  // still listened on the server
  EXPECT_TRUE(t.plan().empty());
}

TEST(ChannelTable, PlanTakenBeforeAChangeIsConfirmedAsSent) {
  ChannelTable t;
  t.subscribe(1, "a");
  auto p = t.plan();
  t.subscribe(2, "b");  // arrives while the plan runs on the server
  t.confirm(p);
  EXPECT_TRUE(t.listened("a"));
  EXPECT_FALSE(t.listened("b"));
  EXPECT_EQ(t.plan().listen, Names{"b"});
}

// Regression (CI, stop 22): UNLISTEN * then LISTEN again while the UNLISTEN
// was already on its way to the server answered the client at once; the
// server then stopped listening and a NOTIFY sent before the next LISTEN
// was lost.
TEST(ChannelTable, ResubscribeWhileUnlistenIsInFlightWaits) {
  ChannelTable t;
  t.subscribe(1, "a");
  t.confirm(t.take_plan());
  t.unsubscribe(1, "a");
  auto p = t.take_plan();
  ASSERT_EQ(p.unlisten, Names{"a"});
  EXPECT_TRUE(t.subscribe(1, "a"));  // must wait: the server is about to UNLISTEN
  t.confirm(p);
  EXPECT_FALSE(t.listened("a"));
  EXPECT_EQ(t.plan().listen, Names{"a"});
  t.confirm(t.take_plan());
  EXPECT_FALSE(t.subscribe(2, "a"));
}

TEST(ChannelTable, AbandonedPlanLeavesTheChannelListened) {
  ChannelTable t;
  t.subscribe(1, "a");
  t.confirm(t.take_plan());
  t.unsubscribe(1, "a");
  t.take_plan();
  EXPECT_TRUE(t.subscribe(1, "a"));
  t.abandon();  // the server refused the UNLISTEN: it still listens
  EXPECT_TRUE(t.listened("a"));
  EXPECT_TRUE(t.plan().empty());
  EXPECT_FALSE(t.subscribe(2, "a"));
}

TEST(ChannelTable, LostConnectionListensEverythingAgain) {
  ChannelTable t;
  t.subscribe(1, "a");
  t.subscribe(2, "B c");
  t.confirm(t.plan());
  t.lost();
  EXPECT_FALSE(t.listened("a"));
  EXPECT_EQ(t.plan().listen, (Names{"B c", "a"}));
  EXPECT_FALSE(t.idle());
}

TEST(ListenRegistry, SnapshotCarriesCountersAndBackendView) {
  PoolKey key{"t", "h:1", "db", "u"};
  auto c = ListenRegistry::instance().counters(key);
  c->relayed.store(5);
  ListenRegistry::instance().set_backend_view(key, 42, {"x"});
  bool found = false;
  for (const auto& s : ListenRegistry::instance().snapshot()) {
    if (!(s.key == key)) continue;
    found = true;
    EXPECT_EQ(s.relayed, 5u);
    EXPECT_EQ(s.backend_pid, 42);
    EXPECT_EQ(s.backend_channels, Names{"x"});
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace sw::pool
