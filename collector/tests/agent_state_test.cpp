#include "collector/agent/agent_state.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "audit/tests/temp_dir.hpp"

namespace sw::collector::agent {
namespace {

using nlohmann::json;

json queries(int n) {
  json q = json::array();
  for (int i = 0; i < n; ++i)
    q.push_back({{"query", "select " + std::to_string(i)}, {"query_time_ms", 600}});
  return q;
}

TEST(AgentState, BatchesAndCursorSurviveARestartWithTheirIds) {
  audit::test::TempDir dir;
  std::vector<std::string> ids;
  {
    auto s = AgentState::open(dir.path());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_TRUE(s->cursor().is_null());
    auto dropped = s->add_collection(queries(5), "mysql.slow_log", {{"until", "t1"}}, 2, 100);
    ASSERT_TRUE(dropped);
    EXPECT_EQ(*dropped, 0u);
    ASSERT_EQ(s->pending().size(), 3u);  // 2 + 2 + 1
    for (const auto& b : s->pending()) ids.push_back(b.id);
    EXPECT_NE(ids[0], ids[1]);
    ASSERT_TRUE(s->remove_front());
    ASSERT_TRUE(s->set_last_command(4, true));
  }
  auto s = AgentState::open(dir.path());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->cursor()["until"], "t1");
  ASSERT_EQ(s->pending().size(), 2u);
  EXPECT_EQ(s->pending()[0].id, ids[1]);
  EXPECT_EQ(json::parse(s->pending()[0].body)["batch_id"], ids[1]);
  EXPECT_EQ(json::parse(s->pending()[1].body)["queries"].size(), 1u);
  EXPECT_EQ(s->last_command(), 4u);
  EXPECT_TRUE(s->stopped());
  // Numbering continues: a new batch never reuses an id.
  ASSERT_TRUE(s->add_collection(queries(1), "mysql.slow_log", {{"until", "t2"}}, 2, 100));
  for (const auto& id : ids) EXPECT_NE(s->pending().back().id, id);
}

TEST(AgentState, SpoolIsBoundedOldestFirst) {
  audit::test::TempDir dir;
  auto s = AgentState::open(dir.path());
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->add_collection(queries(3), "x", json::object(), 1, 2));
  EXPECT_EQ(s->pending().size(), 2u);
  EXPECT_EQ(s->dropped(), 1u);
  EXPECT_EQ(json::parse(s->pending()[0].body)["queries"][0]["query"], "select 1");
}

TEST(AgentState, IdsDifferBetweenFreshStates) {
  audit::test::TempDir a, b;
  auto sa = AgentState::open(a.path());
  auto sb = AgentState::open(b.path());
  ASSERT_TRUE(sa && sb);
  ASSERT_TRUE(sa->add_collection(queries(1), "x", json::object(), 10, 10));
  ASSERT_TRUE(sb->add_collection(queries(1), "x", json::object(), 10, 10));
  EXPECT_NE(sa->pending()[0].id, sb->pending()[0].id);
}

TEST(AgentState, RefusesAnUnreadableStateFile) {
  audit::test::TempDir dir;
  std::ofstream(dir.path() + "/state.json") << "{\"prefix\": 3}";
  auto s = AgentState::open(dir.path());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("state.json"), std::string::npos);
}

}  // namespace
}  // namespace sw::collector::agent
