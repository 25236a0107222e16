#include "proxy/core/fifo.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace sw {
namespace {

TEST(Fifo, FirstInFirstOut) {
  Fifo<std::string> q;
  EXPECT_TRUE(q.empty());
  q.push_back("a");
  q.emplace_back("b");
  q.push_back("c");
  EXPECT_EQ(q.size(), 3u);
  EXPECT_EQ(q.front(), "a");
  EXPECT_EQ(q.back(), "c");
  q.pop_front();
  EXPECT_EQ(q.front(), "b");
  std::string seen;
  for (const auto& s : q) seen += s;
  EXPECT_EQ(seen, "bc");
  q.pop_front();
  q.pop_front();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.size(), 0u);
}

TEST(Fifo, InsertKeepsOrderAmongQueued) {
  Fifo<int> q;
  for (int v : {1, 3, 4}) q.push_back(v);
  q.pop_front();  // 3 4
  auto at = std::find_if(q.begin(), q.end(), [](int v) { return v > 3; });
  q.insert(at, 35);
  std::vector<int> out(q.begin(), q.end());
  EXPECT_EQ(out, (std::vector<int>{3, 35, 4}));
}

TEST(Fifo, LongRunsCompactAndReleaseWhatTheyHeld) {
  Fifo<std::shared_ptr<int>> q;
  auto probe = std::make_shared<int>(7);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) {
      q.push_back(probe);
      if (i % 3 == 0) q.pop_front();
    }
    EXPECT_EQ(q.size(), 1000u - 334u);
    EXPECT_EQ(*q.front(), 7);
    // A steady state with a backlog: the consumed prefix is dropped.
    for (int i = 0; i < 5000; ++i) {
      q.push_back(std::make_shared<int>(i));
      q.pop_front();
    }
    EXPECT_EQ(q.size(), 666u);
    EXPECT_EQ(*q.back(), 4999);
    while (!q.empty()) q.pop_front();
    // Emptied: nothing is kept alive by consumed slots.
    EXPECT_EQ(probe.use_count(), 1);
  }
}

}  // namespace
}  // namespace sw
