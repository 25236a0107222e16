// One record, one valid JSON line, every field present.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audit/db_row.hpp"
#include "audit/json_line.hpp"

namespace {

using namespace sw::audit;

AuditRecord sample() {
  AuditRecord r;
  r.seq = 7;
  r.time = std::chrono::system_clock::time_point(std::chrono::microseconds(1'700'000'000'123'456));
  r.tenant = "default";
  r.protocol = "postgres";
  r.client_addr = "127.0.0.1:5555";
  r.user = "app";
  r.database = "exo_cluster";
  r.application = "psql";
  r.session_id = 42;
  r.kind = "select";
  r.fingerprint = 0xabcdef0123456789ull;
  r.normalized = "select * from t where a = ?";
  r.text = "SELECT * FROM t WHERE a = 'x\"\\\n\x01\xff'";
  r.duration_us = 1234;
  r.rows = 3;
  r.server_connection_id = 999;
  return r;
}

TEST(JsonLine, AllFieldsAndValidJson) {
  std::string line;
  append_json_line(sample(), line);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["seq"], 7);
  EXPECT_EQ(j["time"], "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(j["event"], "statement");
  EXPECT_EQ(j["source"], "wire");
  EXPECT_EQ(j["tenant"], "default");
  EXPECT_EQ(j["protocol"], "postgres");
  EXPECT_EQ(j["client"], "127.0.0.1:5555");
  EXPECT_EQ(j["user"], "app");
  EXPECT_EQ(j["database"], "exo_cluster");
  EXPECT_EQ(j["application"], "psql");
  EXPECT_EQ(j["session_id"], 42);
  EXPECT_EQ(j["kind"], "select");
  EXPECT_EQ(j["fingerprint"], "abcdef0123456789");
  EXPECT_EQ(j["text"], "SELECT * FROM t WHERE a = 'x\"\\\n\x01\xEF\xBF\xBD'");
  EXPECT_EQ(j["decision"], "allow");
  EXPECT_EQ(j["duration_us"], 1234);
  EXPECT_EQ(j["rows"], 3);
  EXPECT_EQ(j["success"], true);
  EXPECT_EQ(j["server_connection_id"], 999);
  EXPECT_FALSE(j.contains("error_code"));
}

TEST(JsonLine, DenialAndError) {
  AuditRecord r = sample();
  r.event = Event::denied;
  r.allowed = false;
  r.rule = "kind";
  r.error_code = "42501";
  r.error_message = "denied";
  r.params = "[\"1\",null]";
  std::string line;
  append_json_line(r, line);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["event"], "denied");
  EXPECT_EQ(j["decision"], "deny");
  EXPECT_EQ(j["rule"], "kind");
  EXPECT_EQ(j["success"], false);
  EXPECT_EQ(j["error_code"], "42501");
  EXPECT_EQ(j["params"][0], "1");
}

TEST(QueryLogRow, SeedShape) {
  AuditRecord r = sample();
  r.duration_us = 2'500'001;
  QueryLogRow row = to_query_log_row(r);
  EXPECT_EQ(row.query_hash, "abcdef0123456789");
  EXPECT_EQ(row.execution_time, "2.500001");
  EXPECT_EQ(*row.rows_affected, 3);
  EXPECT_TRUE(row.success);
  EXPECT_EQ(row.created_at, "2023-11-14 22:13:20.123456");
  EXPECT_LE(row.user_context.size(), 100u);
  r.user = std::string(200, 'u');
  EXPECT_EQ(to_query_log_row(r).user_context.size(), 100u);
  r.text.clear();
  EXPECT_EQ(to_query_log_row(r).query_text, r.normalized);  // text mode none
}

}  // namespace
