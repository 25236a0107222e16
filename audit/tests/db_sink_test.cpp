// The database sink against the fixture's real servers: rows land in seed
// 000's query_log on PostgreSQL (libpq) and MariaDB (Connector/C), in
// batches, with the seed's columns filled; a dead database drops and counts.
#include <libpq-fe.h>
#include <mysql.h>

#include <chrono>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "audit/trail.hpp"
#include "tests/support/test_env.hpp"

namespace {

using namespace sw;
using namespace sw::audit;

std::string marker() {
  std::random_device rd;
  return fmt::format("audit-db-sink-{:x}", (std::uint64_t{rd()} << 32) | rd());
}

Config db_config(Protocol protocol, std::uint16_t port) {
  Config c;
  TenantConfig t;
  t.name = "default";
  c.tenants.push_back(t);
  auto& d = c.audit.database;
  d.enabled = true;
  d.protocol = protocol;
  d.backend = Endpoint{"127.0.0.1", port};
  d.user = "app";
  d.password = Secret("app");
  d.database = "exo_cluster";
  d.batch_size = 7;  // several batches for 20 rows
  d.flush_interval = std::chrono::milliseconds(50);
  return c;
}

void submit_rows(AuditTrail& trail, const std::string& text, int n) {
  for (int i = 0; i < n; ++i) {
    AuditRecord r;
    r.time = std::chrono::system_clock::now();
    r.tenant = "default";
    r.protocol = "postgres";
    r.user = "app";
    r.database = "exo_cluster";
    r.fingerprint = 0x1234;
    r.text = text + " 'it''s' " + std::to_string(i);
    r.duration_us = 1500;
    r.rows = i;
    if (i == 3) {
      r.error_code = "42P01";
      r.error_message = "relation \"x\" does not exist";
    }
    trail.submit(0, std::move(r));
  }
}

TEST(DbSink, PostgresQueryLogRows) {
  const auto& s = test::servers();
  ASSERT_NE(s.pg_port, 0);
  std::string m = marker();
  {
    auto trail = AuditTrail::start(db_config(Protocol::postgres, s.pg_port), 1);
    ASSERT_TRUE(trail.ok()) << trail.error().message;
    submit_rows(**trail, m, 20);
    (*trail)->flush_database();
    auto st = (*trail)->stats();
    EXPECT_EQ(st.db_written, 20u);
    EXPECT_EQ(st.db_dropped, 0u);
  }
  std::string conninfo =
      fmt::format("host=127.0.0.1 port={} user=app password=app dbname=exo_cluster", s.pg_port);
  PGconn* conn = PQconnectdb(conninfo.c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  std::string sql = fmt::format(
      "SELECT count(*), sum(CASE WHEN success THEN 0 ELSE 1 END), min(query_hash), "
      "min(execution_time)::text, sum(rows_affected), min(user_context) FROM query_log "
      "WHERE query_text LIKE '{}%'",
      m);
  PGresult* res = PQexec(conn, sql.c_str());
  ASSERT_EQ(PQresultStatus(res), PGRES_TUPLES_OK) << PQerrorMessage(conn);
  EXPECT_STREQ(PQgetvalue(res, 0, 0), "20");
  EXPECT_STREQ(PQgetvalue(res, 0, 1), "1");
  EXPECT_STREQ(PQgetvalue(res, 0, 2), "0000000000001234");
  EXPECT_STREQ(PQgetvalue(res, 0, 3), "0.001500");
  EXPECT_STREQ(PQgetvalue(res, 0, 4), "190");
  EXPECT_EQ(std::string(PQgetvalue(res, 0, 5)).rfind("app@exo_cluster", 0), 0u);
  PQclear(res);
  PQfinish(conn);
}

TEST(DbSink, MariadbQueryLogRows) {
  const auto& s = test::servers();
  ASSERT_NE(s.my_port, 0);
  std::string m = marker();
  {
    auto trail = AuditTrail::start(db_config(Protocol::mysql, s.my_port), 1);
    ASSERT_TRUE(trail.ok()) << trail.error().message;
    submit_rows(**trail, m, 20);
    (*trail)->flush_database();
    EXPECT_EQ((*trail)->stats().db_written, 20u);
  }
  MYSQL* conn = mysql_init(nullptr);
  ASSERT_NE(
      mysql_real_connect(conn, "127.0.0.1", "app", "app", "exo_cluster", s.my_port, nullptr, 0),
      nullptr)
      << mysql_error(conn);
  std::string sql = fmt::format(
      "SELECT count(*), sum(NOT success), min(execution_time), sum(rows_affected) FROM query_log "
      "WHERE query_text LIKE '{}%'",
      m);
  ASSERT_EQ(mysql_query(conn, sql.c_str()), 0) << mysql_error(conn);
  MYSQL_RES* res = mysql_store_result(conn);
  MYSQL_ROW row = mysql_fetch_row(res);
  EXPECT_STREQ(row[0], "20");
  EXPECT_STREQ(row[1], "1");
  EXPECT_STREQ(row[2], "0.001500");
  EXPECT_STREQ(row[3], "190");
  mysql_free_result(res);
  mysql_close(conn);
}

TEST(DbSink, DeadDatabaseNeverBlocksAndCountsDrops) {
  Config c = db_config(Protocol::postgres, test::free_port());  // nobody listens
  c.audit.database.queue_capacity = 10;
  c.audit.fail_closed = true;
  auto trail = AuditTrail::start(c, 1);
  ASSERT_TRUE(trail.ok());
  auto t0 = std::chrono::steady_clock::now();
  submit_rows(**trail, "dead", 50);
  (*trail)->flush();  // the writer is not held up by the database
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  for (int i = 0; i < 100 && (*trail)->stats().db_dropped < 40; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto st = (*trail)->stats();
  EXPECT_GE(st.db_dropped, 40u);
  EXPECT_EQ(st.db_written, 0u);
  EXPECT_FALSE(st.healthy);
  EXPECT_TRUE((*trail)->refusing());
}

}  // namespace
