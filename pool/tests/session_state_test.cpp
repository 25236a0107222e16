#include <gtest/gtest.h>

#include "pool/prepared.hpp"
#include "pool/session_state.hpp"

namespace sw::pool {
namespace {

TEST(SettingsDiff, SetsMissingAndChangedResetsExtra) {
  Settings server{{"search_path", "a"}, {"work_mem", "4MB"}, {"timezone", "UTC"}};
  Settings client{{"search_path", "b"}, {"timezone", "UTC"}, {"application_name", "x"}};
  auto d = diff(server, client);
  EXPECT_EQ(d.set, (std::vector<std::pair<std::string, std::string>>{{"application_name", "x"},
                                                                     {"search_path", "b"}}));
  EXPECT_EQ(d.reset, std::vector<std::string>{"work_mem"});
  EXPECT_TRUE(diff(client, client).empty());
}

TEST(Pins, Describe) {
  PinSet p = 0;
  EXPECT_EQ(describe(p), "");
  p = p | Pin::temp_table;
  p = p | Pin::listen;
  EXPECT_TRUE(has(p, Pin::listen));
  EXPECT_FALSE(has(p, Pin::advisory_lock));
  EXPECT_EQ(describe(p), "temporary tables, LISTEN");
}

TEST(StatementCatalog, InternsByTextAndParams) {
  StatementCatalog c;
  const std::string_view types("\x00\x01", 2);
  auto a = c.intern("select $1", types);
  auto b = c.intern("select $1", types);
  auto d = c.intern("select $1", "");
  auto e = c.intern("select $", "1");  // same bytes, different split
  EXPECT_EQ(a, b);
  EXPECT_NE(a, d);
  EXPECT_NE(d, e);
  EXPECT_EQ(c.find(a)->text, "select $1");
  EXPECT_EQ(StatementCatalog::server_name(a), "sw_" + std::to_string(a));
  EXPECT_EQ(c.find(12345), nullptr);
}

}  // namespace
}  // namespace sw::pool
