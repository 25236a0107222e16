#include "collector/agent/agent_config.hpp"

#include <gtest/gtest.h>

#include "collector/agent/http_client.hpp"

namespace sw::collector::agent {
namespace {

// Seed 001's config.example.json, verbatim.
constexpr const char* kSeedConfig = R"({
  "collector_id": 1,
  "api_key": "collector_1_abc123...",
  "backend_url": "http://localhost:8000",
  "db_type": "mysql",
  "db_config": {
    "host": "localhost",
    "port": 3306,
    "user": "root",
    "password": "admin"
  },
  "heartbeat_interval": 30,
  "collection_interval": 300
})";

TEST(AgentConfig, ReadsSeedConfigVerbatim) {
  auto c = parse_agent_config(kSeedConfig, "/etc/x", {});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->collector_id, 1u);
  EXPECT_EQ(c->api_key.reveal(), "collector_1_abc123...");
  EXPECT_EQ(c->backend_url, "http://localhost:8000");
  EXPECT_EQ(c->db_type, DbType::mysql);
  EXPECT_EQ(c->db.host, "localhost");
  EXPECT_EQ(c->db.port, 3306);
  EXPECT_EQ(c->db.password.reveal(), "admin");
  EXPECT_EQ(c->db.min_exec_time_ms, 500u);
  EXPECT_EQ(c->heartbeat_interval, std::chrono::seconds(30));
  EXPECT_EQ(c->collection_interval, std::chrono::seconds(300));
  EXPECT_EQ(c->state_dir, "/etc/x/collector-1-state");
  EXPECT_EQ(fmt::format("{}", c->api_key), "********");
}

TEST(AgentConfig, CommandLineOverridesTheFile) {
  CommandLineOverrides o;
  o.collector_id = 7;
  o.api_key = "collector_7_k";
  o.backend_url = "http://127.0.0.1:9000/base/";
  auto c = parse_agent_config(kSeedConfig, ".", o);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->collector_id, 7u);
  EXPECT_EQ(c->api_key.reveal(), "collector_7_k");
  auto url = parse_url(c->backend_url);
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, "9000");
  EXPECT_EQ(url->base_path, "/base");
}

TEST(AgentConfig, PostgresDefaultsAndFractionalIntervals) {
  auto c = parse_agent_config(
      R"({"collector_id": 2, "api_key": "k", "backend_url": "https://b", "db_type": "postgres",
          "db_config": {"user": "monitoring", "database": "app", "min_exec_time_ms": 200},
          "heartbeat_interval": 0.5, "collection_interval": 2, "state_dir": "/tmp/s"})",
      ".", {});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->db_type, DbType::postgres);
  EXPECT_EQ(c->db.port, 5432);
  EXPECT_EQ(c->db.min_exec_time_ms, 200u);
  EXPECT_EQ(c->heartbeat_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(c->state_dir, "/tmp/s");
  auto url = parse_url(c->backend_url);
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->tls);
  EXPECT_EQ(url->port, "443");
}

TEST(AgentConfig, ErrorsNameTheKeyAndNeverTheSecret) {
  auto error_of = [](const std::string& text) {
    auto c = parse_agent_config(text, ".", {});
    EXPECT_FALSE(c) << text;
    return c ? std::string() : c.error().message;
  };
  EXPECT_NE(error_of("[1]").find("JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({"db_type": "oracle", "db_config": {}})").find("db_type"),
            std::string::npos);
  EXPECT_NE(
      error_of(
          R"({"db_type": "mysql", "db_config": {}, "api_key": "k", "backend_url": "http://x"})")
          .find("collector_id"),
      std::string::npos);
  EXPECT_NE(
      error_of(
          R"({"collector_id": 1, "api_key": "k", "backend_url": "ftp://x", "db_type": "mysql", "db_config": {}})")
          .find("backend_url"),
      std::string::npos);
  std::string m = error_of(
      R"({"collector_id": 1, "api_key": "k", "backend_url": "http://x", "db_type": "mysql",
          "db_config": {"password": "hunter2", "port": 70000}})");
  EXPECT_NE(m.find("db_config.port"), std::string::npos);
  EXPECT_EQ(m.find("hunter2"), std::string::npos);
  EXPECT_NE(error_of(R"({"collector_id": 1, "typo": 1, "db_type": "mysql", "db_config": {}})")
                .find("typo"),
            std::string::npos);
  EXPECT_FALSE(parse_url("http://user:pw@host:1"));
  EXPECT_FALSE(parse_url("http://host:0"));
}

TEST(AgentConfig, UpdateConfigIsAllOrNothing) {
  auto c = parse_agent_config(kSeedConfig, ".", {});
  ASSERT_TRUE(c);
  ASSERT_TRUE(apply_update(*c, {{"min_exec_time_ms", 100}}));
  EXPECT_EQ(c->db.min_exec_time_ms, 100u);
  ASSERT_TRUE(apply_update(*c, {{"db_config", {{"host", "db2"}}}, {"collection_interval", 5}}));
  EXPECT_EQ(c->db.host, "db2");
  EXPECT_EQ(c->collection_interval, std::chrono::seconds(5));
  EXPECT_FALSE(apply_update(*c, {{"min_exec_time_ms", 1}, {"port", "x"}}));
  EXPECT_EQ(c->db.min_exec_time_ms, 100u);
}

}  // namespace
}  // namespace sw::collector::agent
