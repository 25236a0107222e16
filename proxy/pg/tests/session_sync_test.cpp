#include "proxy/pg/session_sync.hpp"

#include <gtest/gtest.h>

#include "proxy/pg/codec/messages.hpp"

namespace sw::pg {
namespace {

TEST(SessionSync, ReplayQuotesValuesAndNames) {
  pool::SettingsDiff d;
  d.set = {{"search_path", "a'b, public"}, {"application_name", "x\\y"}};
  d.reset = {"work\"mem"};
  EXPECT_EQ(replay_sql(d),
            "SELECT pg_catalog.set_config('search_path', 'a''b, public', false), "
            "pg_catalog.set_config('application_name', E'x\\\\y', false);RESET \"work\"\"mem\";");
  EXPECT_EQ(replay_sql({}), "");
}

TEST(SessionSync, ProbeRows) {
  std::vector<std::vector<std::optional<std::string>>> rows = {
      {"work_mem", "7168"}, {"role", "reader"}, {".stmt", "sw_12"},
      {".stmt", "sw_x"},    {".pins", "17"},    {std::nullopt, "x"}};
  auto p = parse_probe(rows);
  EXPECT_EQ(p.settings, (pool::Settings{{"role", "reader"}, {"work_mem", "7168"}}));
  EXPECT_EQ(p.pins, 17u);
  EXPECT_TRUE(pool::has(p.pins, pool::Pin::listen));
  EXPECT_TRUE(pool::has(p.pins, pool::Pin::temp_table));
  EXPECT_EQ(p.statements, (pool::ServerStatements{12}));
}

TEST(SessionSync, WhatMayChangeSessionState) {
  EXPECT_FALSE(may_change_session("select", "SELECT * FROM t WHERE a = 1"));
  EXPECT_FALSE(may_change_session("insert", "INSERT INTO t VALUES (1);"));
  EXPECT_TRUE(may_change_session("set", "SET work_mem = '1MB'"));
  EXPECT_TRUE(may_change_session("ddl", "CREATE TEMP TABLE x (a int)"));
  EXPECT_TRUE(may_change_session("select", "SELECT pg_advisory_lock(1)"));
  // NOTIFY changes nothing of the session; LISTEN and UNLISTEN do.
  EXPECT_FALSE(may_change_session("notify", "NOTIFY vm_updates, 'x'"));
  EXPECT_FALSE(may_change_session("notify", "  notify c"));
  EXPECT_TRUE(may_change_session("notify", "LISTEN vm_updates"));
  EXPECT_TRUE(may_change_session("notify", "UNLISTEN *"));
  EXPECT_TRUE(may_change_session("notify", "NOTIFY c; LISTEN d"));
  EXPECT_TRUE(may_change_session("notify", "notifyx"));
  EXPECT_TRUE(may_change_session("select", "select SET_CONFIG('a.b', '1', false)"));
  EXPECT_TRUE(may_change_session("select", "SELECT 1; SET work_mem = '1MB'"));
  EXPECT_TRUE(may_change_session("other", "DECLARE c CURSOR WITH HOLD FOR SELECT 1"));
  EXPECT_TRUE(may_change_session("notify", "LISTEN x"));
}

TEST(SessionSync, StartupOptions) {
  auto o = parse_startup_options("-c work_mem=9MB --search-path=a,b -cDateStyle=ISO");
  ASSERT_TRUE(o);
  EXPECT_EQ(*o, (std::vector<std::pair<std::string, std::string>>{
                    {"work_mem", "9MB"}, {"search_path", "a,b"}, {"datestyle", "ISO"}}));
  EXPECT_FALSE(parse_startup_options("-x"));
  EXPECT_FALSE(parse_startup_options("-c novalue"));
  EXPECT_TRUE(parse_startup_options("")->empty());
}

TEST(Codec, BindAndParseRename) {
  Bytes parse;
  const std::uint8_t types[] = {0, 1, 0, 0, 0, 23};
  codec::append_parse(parse, "s1", "select $1", ByteSpan(types, sizeof(types)));
  auto full = codec::parse_parse_full(parse);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->statement, "s1");
  EXPECT_EQ(full->sql, "select $1");
  EXPECT_EQ(full->param_types.size(), 6u);
  Bytes bind;
  const std::uint8_t rest[] = {0, 0, 0, 1, 0, 0, 0, 1, '7', 0, 0};
  codec::append_bind(bind, "p", "s1", ByteSpan(rest, sizeof(rest)));
  auto names = codec::parse_bind_names(bind);
  ASSERT_TRUE(names);
  EXPECT_EQ(names->portal, "p");
  EXPECT_EQ(names->statement, "s1");
  Bytes renamed;
  codec::append_bind(renamed, names->portal, "sw_3", names->rest);
  auto again = codec::parse_bind_names(renamed);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->statement, "sw_3");
  EXPECT_EQ(again->rest.size(), sizeof(rest));
  Bytes close;
  codec::append_close(close, 'S', "x");
  auto t = codec::parse_target(close);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->what, 'S');
  EXPECT_EQ(t->name, "x");
  Bytes bad = {'C', 0, 0, 0, 6, 'Q', 0};
  EXPECT_FALSE(codec::parse_target(bad));
}

}  // namespace
}  // namespace sw::pg
