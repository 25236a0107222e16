#include "collector/registry.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "audit/tests/temp_dir.hpp"
#include "collector/api_key.hpp"

namespace sw::collector {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
const auto kT0 = Clock::time_point(std::chrono::seconds(1'800'000'000));

std::unique_ptr<Registry> open_at(const std::string& dir) {
  RegistryOptions o;
  o.state_dir = dir;
  auto r = Registry::open(o);
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? std::move(*r) : nullptr;
}

Registration mysql_registration() {
  auto r = parse_registration({{"name", "Production MySQL Server"},
                               {"type", "mysql"},
                               {"team_id", 1},
                               {"config",
                                {{"host", "mysql.example.com"},
                                 {"port", 3306},
                                 {"user", "monitoring"},
                                 {"password", "secret"}}},
                               {"collection_interval_minutes", 5},
                               {"auto_collect", true}});
  EXPECT_TRUE(r);
  return *r;
}

Batch sleeps(std::string id, int n) {
  json queries = json::array();
  for (int i = 0; i < n; ++i)
    queries.push_back({{"query", "SELECT SLEEP(0.6)"}, {"query_time_ms", 600 + i}});
  auto b = parse_batch({{"batch_id", id}, {"queries", queries}}, parsers::Dialect::mysql, kT0, 100);
  EXPECT_TRUE(b);
  return *b;
}

TEST(Registry, RegistersWithSeedShapeAndKeepsOnlyTheKeyDigest) {
  audit::test::TempDir dir;
  auto reg = open_at(dir.path());
  auto out = reg->register_collector(mysql_registration(), kT0);
  ASSERT_TRUE(out) << out.error().message;
  std::string key = (*out)["api_key"];
  EXPECT_EQ(key.rfind("collector_1_", 0), 0u) << key;
  EXPECT_EQ((*out)["id"], 1);
  EXPECT_FALSE((*out)["config"].contains("password"));
  EXPECT_TRUE(reg->authenticate(1, key));
  EXPECT_FALSE(reg->authenticate(1, key + "x"));
  EXPECT_FALSE(reg->authenticate(2, key));
  std::ifstream in(dir.path() + "/collectors.json");
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(file.find(key), std::string::npos);
  EXPECT_EQ(file.find("secret"), std::string::npos);
  EXPECT_NE(file.find(hash_api_key(key)), std::string::npos);
}

TEST(Registry, OnlineRule) {
  EXPECT_FALSE(is_online(std::nullopt, kT0, 120s));
  EXPECT_TRUE(is_online(kT0, kT0 + 119s, 120s));
  EXPECT_FALSE(is_online(kT0, kT0 + 120s, 120s));
  audit::test::TempDir dir;
  auto reg = open_at(dir.path());
  ASSERT_TRUE(reg->register_collector(mysql_registration(), kT0));
  EXPECT_EQ(reg->list(kT0)[0]["status"], "OFFLINE");
  ASSERT_TRUE(reg->heartbeat(1, {{"queries_collected", 3}, {"junk", "x"}}, 0, kT0));
  EXPECT_EQ(reg->list(kT0 + 60s)[0]["status"], "ONLINE");
  EXPECT_EQ(reg->list(kT0 + 60s)[0]["stats"], json({{"queries_collected", 3}}));
  EXPECT_EQ(reg->list(kT0 + 121s)[0]["status"], "OFFLINE");
}

TEST(Registry, CommandsStayUntilAcknowledged) {
  audit::test::TempDir dir;
  auto reg = open_at(dir.path());
  ASSERT_TRUE(reg->register_collector(mysql_registration(), kT0));
  auto stop = reg->queue_command(1, CommandKind::stop, json::object(), kT0);
  auto update = reg->queue_command(1, CommandKind::update_config, {{"min_exec_time_ms", 100}}, kT0);
  ASSERT_TRUE(stop && update);
  EXPECT_EQ(stop->id, 1u);
  EXPECT_EQ(update->id, 2u);
  auto pending = reg->heartbeat(1, {}, 0, kT0);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 2u);
  pending = reg->heartbeat(1, {}, 0, kT0);  // the answer was lost: still there
  ASSERT_EQ(pending->size(), 2u);
  pending = reg->heartbeat(1, {}, 1, kT0);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].kind, CommandKind::update_config);
  EXPECT_EQ((*pending)[0].payload["min_exec_time_ms"], 100);
  // Survives a restart, and ids keep growing.
  reg.reset();
  reg = open_at(dir.path());
  pending = reg->heartbeat(1, {}, 1, kT0);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1u);
  auto next = reg->queue_command(1, CommandKind::collect, json::object(), kT0);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, 3u);
  EXPECT_FALSE(reg->queue_command(7, CommandKind::collect, json::object(), kT0));
}

TEST(Registry, BatchesAreIdempotentAggregatedAndDurable) {
  audit::test::TempDir dir;
  auto reg = open_at(dir.path());
  ASSERT_TRUE(reg->register_collector(mysql_registration(), kT0));
  auto first = reg->add_batch(1, sleeps("b1", 3));
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->duplicate);
  EXPECT_EQ(first->accepted, 3u);
  auto again = reg->add_batch(1, sleeps("b1", 3));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  auto rows = reg->queries(1, audit::DigestSort::total_time);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].count, 3u);
  EXPECT_EQ((*rows)[0].total_us, 600000u + 601000u + 602000u);
  EXPECT_EQ((*rows)[0].min_us, 600000u);

  reg.reset();
  // A torn last line (a crash mid-append, never acknowledged) is skipped.
  std::ofstream(dir.path() + "/collector-1-queries.jsonl", std::ios::app) << "{\"batch_id\":\"tor";
  reg = open_at(dir.path());
  ASSERT_TRUE(reg);
  rows = reg->queries(1, audit::DigestSort::count);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].count, 3u);
  again = reg->add_batch(1, sleeps("b1", 3));
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate) << "batch ids survive a restart";
  EXPECT_EQ(reg->list(kT0)[0]["queries_received"], 3);
}

TEST(Registry, CallsCountAsExecutions) {
  audit::test::TempDir dir;
  auto reg = open_at(dir.path());
  auto r = parse_registration({{"name", "pg"}, {"type", "postgres"}});
  ASSERT_TRUE(r);
  ASSERT_TRUE(reg->register_collector(*r, kT0));
  auto dialect = reg->dialect(1);
  ASSERT_TRUE(dialect);
  auto b = parse_batch(
      {{"batch_id", "p1"},
       {"queries", {{{"query", "SELECT pg_sleep($1)"}, {"query_time_ms", 600}, {"calls", 3}}}}},
      *dialect, kT0, 10);
  ASSERT_TRUE(b);
  ASSERT_TRUE(reg->add_batch(1, *b));
  auto rows = reg->queries(1, audit::DigestSort::count);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].count, 3u);
  EXPECT_EQ((*rows)[0].total_us, 1800000u);
  EXPECT_EQ((*rows)[0].min_us, 600000u);
  EXPECT_EQ((*rows)[0].max_us, 600000u);
}

TEST(Registry, RegistrationErrorsAreClear) {
  EXPECT_FALSE(parse_registration(json::object()));
  EXPECT_FALSE(parse_registration({{"name", "x"}, {"type", "oracle"}}));
  EXPECT_FALSE(parse_registration({{"name", "x"}, {"type", "mysql"}, {"config", 3}}));
  EXPECT_FALSE(parse_registration({{"name", "x"}, {"type", "mysql"}, {"auto_collect", "yes"}}));
  EXPECT_FALSE(
      parse_registration({{"name", "x"}, {"type", "mysql"}, {"collection_interval_minutes", 0}}));
}

TEST(Registry, RefusesACorruptRegistry) {
  audit::test::TempDir dir;
  std::ofstream(dir.path() + "/collectors.json") << "{\"collectors\": [{\"id\": \"one\"}]}";
  RegistryOptions o;
  o.state_dir = dir.path();
  auto r = Registry::open(o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("collectors.json"), std::string::npos);
}

}  // namespace
}  // namespace sw::collector
