// [audit] keys and the per-tenant slow threshold.
#include <string>

#include <gtest/gtest.h>

#include "proxy/core/config_loader.hpp"

namespace sw {
namespace {

constexpr const char* kTenant = R"(
[[tenants]]
name = "default"
slow_threshold_ms = 250
[tenants.postgres]
listen = "127.0.0.1:6432"
backend = "127.0.0.1:15432"

[[tenants]]
name = "other"
[tenants.mysql]
listen = "127.0.0.1:6033"
backend = "127.0.0.1:13306"
)";

std::string issues_of(const ConfigLoad& load) {
  std::string s;
  for (const auto& i : load.issues) s += i.to_string("t.toml") + "\n";
  return s;
}

bool has_issue(const ConfigLoad& load, const std::string& path) {
  for (const auto& i : load.issues)
    if (i.path == path) return true;
  return false;
}

TEST(AuditConfig, DefaultsWithoutSection) {
  auto load = load_toml_config_text(kTenant, "t.toml");
  ASSERT_TRUE(load.ok()) << issues_of(load);
  const AuditConfig& a = load.config.audit;
  EXPECT_TRUE(a.enabled);
  EXPECT_EQ(a.text, AuditTextMode::redacted);
  EXPECT_EQ(a.full_queue, AuditFullQueue::block);
  EXPECT_EQ(a.history_size, 1000u);
  EXPECT_EQ(a.slow_threshold_ms, 500u);
  EXPECT_TRUE(a.jsonl.path.empty());
  EXPECT_EQ(a.jsonl.fsync, AuditFsync::interval);
  EXPECT_FALSE(a.database.enabled);
  EXPECT_EQ(load.config.tenants[0].slow_threshold_ms, 250u);
  EXPECT_FALSE(load.config.tenants[1].slow_threshold_ms.has_value());
}

TEST(AuditConfig, EveryKeyRead) {
  std::string text = std::string(R"(
[audit]
text = "full"
queue_capacity = 64
full_queue = "drop"
fail_closed = true
history_size = 10
max_digests = 5
slow_threshold_ms = 100
slow_log_size = 7
slow_log_path = "/tmp/slow.jsonl"
[audit.jsonl]
path = "/tmp/a.jsonl"
fsync = "always"
rotate_bytes = 1048576
rotate_seconds = 3600
[audit.database]
enabled = true
protocol = "mysql"
backend = "127.0.0.1:13306"
user = "app"
password = "app"
database = "exo_cluster"
table = "exo_cluster.query_log"
batch_size = 50
flush_interval_ms = 200
[audit.syslog]
enabled = true
facility = "daemon"
)") + kTenant;
  auto load = load_toml_config_text(text, "t.toml");
  ASSERT_TRUE(load.ok()) << issues_of(load);
  const AuditConfig& a = load.config.audit;
  EXPECT_EQ(a.text, AuditTextMode::full);
  EXPECT_EQ(a.queue_capacity, 64u);
  EXPECT_EQ(a.full_queue, AuditFullQueue::drop);
  EXPECT_TRUE(a.fail_closed);
  EXPECT_EQ(a.history_size, 10u);
  EXPECT_EQ(a.max_digests, 5u);
  EXPECT_EQ(a.slow_threshold_ms, 100u);
  EXPECT_EQ(a.slow_log_size, 7u);
  EXPECT_EQ(a.slow_log_path, "/tmp/slow.jsonl");
  EXPECT_EQ(a.jsonl.fsync, AuditFsync::always);
  EXPECT_EQ(a.jsonl.rotate_bytes, 1048576u);
  EXPECT_EQ(a.jsonl.rotate_age.count(), 3600);
  EXPECT_TRUE(a.database.enabled);
  EXPECT_EQ(a.database.protocol, Protocol::mysql);
  EXPECT_EQ(a.database.table, "exo_cluster.query_log");
  EXPECT_EQ(a.database.batch_size, 50u);
  EXPECT_EQ(a.database.flush_interval.count(), 200);
  EXPECT_TRUE(a.syslog.enabled);
  EXPECT_EQ(a.syslog.facility, "daemon");
}

TEST(AuditConfig, BadValuesReported) {
  std::string text = std::string(R"(
[audit]
text = "verbatim"
full_queue = "wait"
colour = 1
[audit.jsonl]
fsync = "interval"
fsync_interval_ms = 0
[audit.database]
enabled = true
table = "query_log; DROP TABLE x"
)") + kTenant;
  auto load = load_toml_config_text(text, "t.toml");
  EXPECT_TRUE(has_issue(load, "audit.text")) << issues_of(load);
  EXPECT_TRUE(has_issue(load, "audit.full_queue")) << issues_of(load);
  EXPECT_TRUE(has_issue(load, "audit.colour")) << issues_of(load);
  EXPECT_TRUE(has_issue(load, "audit.jsonl.fsync_interval_ms")) << issues_of(load);
  EXPECT_TRUE(has_issue(load, "audit.database.table")) << issues_of(load);
  EXPECT_TRUE(has_issue(load, "audit.database")) << issues_of(load);  // backend, user missing
}

}  // namespace
}  // namespace sw
