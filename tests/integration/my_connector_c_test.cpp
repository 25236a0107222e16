// Acceptance 4: a Connector/C program using the prepared statement API
// through the proxy: ints, decimals, dates, NULLs, a BLOB sent with
// mysql_stmt_send_long_data, a 20 MB row (packets split at 16 MiB in both
// directions), a read-only cursor (COM_STMT_FETCH) and statement reset.
#include <mysql.h>

#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

constexpr unsigned long big_row = 20u * 1024 * 1024;

struct Conn {
  MYSQL* m = mysql_init(nullptr);
  ~Conn() { mysql_close(m); }
  bool connect(std::uint16_t port, const char* db = "my_capi_scratch") {
    unsigned long max_packet = 256ul << 20;
    mysql_optionsv(m, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);
    return mysql_real_connect(m, "127.0.0.1", "app", "app", db, port, nullptr, 0) != nullptr;
  }
  void exec(const std::string& sql) { ASSERT_EQ(mysql_query(m, sql.c_str()), 0) << mysql_error(m); }
  std::string scalar(const std::string& sql) {
    if (mysql_query(m, sql.c_str()) != 0) return "ERR " + std::string(mysql_error(m));
    MYSQL_RES* res = mysql_store_result(m);
    MYSQL_ROW row = mysql_fetch_row(res);
    std::string v = row && row[0] ? row[0] : "NULL";
    mysql_free_result(res);
    return v;
  }
};

class MyConnectorC : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The server must accept a 20 MB row; raise its limit for new sessions.
    Conn direct;
    ASSERT_TRUE(direct.connect(servers().my_port, "exo_cluster")) << mysql_error(direct.m);
    direct.exec("SET GLOBAL max_allowed_packet = 67108864");
    proxy_ = new ProxyProcess("my_capi");
    Conn c;
    ASSERT_TRUE(c.connect(proxy_->my_port(), "exo_cluster")) << mysql_error(c.m);
    c.exec("DROP DATABASE IF EXISTS my_capi_scratch");
    c.exec("CREATE DATABASE my_capi_scratch");
    c.exec(
        "CREATE TABLE my_capi_scratch.t (id INT PRIMARY KEY, tiny TINYINT, big BIGINT UNSIGNED, "
        "price DECIMAL(20,6), ratio DOUBLE, day DATE, stamp DATETIME(6), note VARCHAR(100), "
        "data LONGBLOB)");
  }
  static void TearDownTestSuite() {
    {
      Conn c;
      if (c.connect(proxy_->my_port(), "exo_cluster")) c.exec("DROP DATABASE my_capi_scratch");
    }
    delete proxy_;
    proxy_ = nullptr;
  }
  static ProxyProcess* proxy_;
};
ProxyProcess* MyConnectorC::proxy_ = nullptr;

TEST_F(MyConnectorC, AllCommonTypesRoundTrip) {
  Conn c;
  ASSERT_TRUE(c.connect(proxy_->my_port())) << mysql_error(c.m);
  MYSQL_STMT* ins = mysql_stmt_init(c.m);
  std::string sql =
      "INSERT INTO t (id, tiny, big, price, ratio, day, stamp, note, data) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
  ASSERT_EQ(mysql_stmt_prepare(ins, sql.c_str(), sql.size()), 0) << mysql_stmt_error(ins);
  ASSERT_EQ(mysql_stmt_param_count(ins), 9u);

  int id = 1;
  signed char tiny = -7;
  unsigned long long big = 18446744073709551000ull;
  std::string price = "12345678901234.123456";
  unsigned long price_len = price.size();
  double ratio = 0.125;
  MYSQL_TIME day{}, stamp{};
  day.year = 2024, day.month = 2, day.day = 29, day.time_type = MYSQL_TIMESTAMP_DATE;
  stamp.year = 1999, stamp.month = 12, stamp.day = 31, stamp.hour = 23, stamp.minute = 59,
  stamp.second = 58, stamp.second_part = 123456, stamp.time_type = MYSQL_TIMESTAMP_DATETIME;
  my_bool note_null = 1;
  MYSQL_BIND b[9]{};
  b[0].buffer_type = MYSQL_TYPE_LONG, b[0].buffer = &id;
  b[1].buffer_type = MYSQL_TYPE_TINY, b[1].buffer = &tiny;
  b[2].buffer_type = MYSQL_TYPE_LONGLONG, b[2].buffer = &big, b[2].is_unsigned = 1;
  b[3].buffer_type = MYSQL_TYPE_NEWDECIMAL, b[3].buffer = price.data(), b[3].length = &price_len;
  b[4].buffer_type = MYSQL_TYPE_DOUBLE, b[4].buffer = &ratio;
  b[5].buffer_type = MYSQL_TYPE_DATE, b[5].buffer = &day;
  b[6].buffer_type = MYSQL_TYPE_DATETIME, b[6].buffer = &stamp;
  b[7].buffer_type = MYSQL_TYPE_STRING, b[7].is_null = &note_null;
  b[8].buffer_type = MYSQL_TYPE_LONG_BLOB;
  ASSERT_EQ(mysql_stmt_bind_param(ins, b), 0) << mysql_stmt_error(ins);
  // 3 MB BLOB in 64 KiB pieces with COM_STMT_SEND_LONG_DATA (no answers).
  std::string blob;
  for (int i = 0; i < 3 * 1024 * 1024; ++i) blob.push_back(static_cast<char>(i * 31 % 251));
  for (std::size_t off = 0; off < blob.size(); off += 65536) {
    std::size_t n = std::min<std::size_t>(65536, blob.size() - off);
    ASSERT_EQ(mysql_stmt_send_long_data(ins, 8, blob.data() + off, n), 0) << mysql_stmt_error(ins);
  }
  ASSERT_EQ(mysql_stmt_execute(ins), 0) << mysql_stmt_error(ins);
  EXPECT_EQ(mysql_stmt_affected_rows(ins), 1u);
  // Second row: everything NULL but the key.
  id = 2;
  my_bool yes = 1;
  for (int i = 1; i < 9; ++i) b[i].is_null = &yes;
  ASSERT_EQ(mysql_stmt_bind_param(ins, b), 0);
  ASSERT_EQ(mysql_stmt_execute(ins), 0) << mysql_stmt_error(ins);
  mysql_stmt_close(ins);

  MYSQL_STMT* sel = mysql_stmt_init(c.m);
  std::string q =
      "SELECT tiny, big, price, ratio, day, stamp, note, length(data), md5(data) FROM t "
      "WHERE id = ?";
  ASSERT_EQ(mysql_stmt_prepare(sel, q.c_str(), q.size()), 0) << mysql_stmt_error(sel);
  int key = 1;
  MYSQL_BIND p{};
  p.buffer_type = MYSQL_TYPE_LONG, p.buffer = &key;
  ASSERT_EQ(mysql_stmt_bind_param(sel, &p), 0);
  ASSERT_EQ(mysql_stmt_execute(sel), 0) << mysql_stmt_error(sel);
  signed char r_tiny = 0;
  unsigned long long r_big = 0, r_len = 0;
  char r_price[40]{}, r_note[100]{}, r_md5[40]{};
  unsigned long price_out = 0, note_out = 0, md5_out = 0;
  double r_ratio = 0;
  MYSQL_TIME r_day{}, r_stamp{};
  my_bool nulls[9]{};
  MYSQL_BIND r[9]{};
  r[0].buffer_type = MYSQL_TYPE_TINY, r[0].buffer = &r_tiny;
  r[1].buffer_type = MYSQL_TYPE_LONGLONG, r[1].buffer = &r_big, r[1].is_unsigned = 1;
  r[2].buffer_type = MYSQL_TYPE_STRING, r[2].buffer = r_price, r[2].buffer_length = sizeof r_price,
  r[2].length = &price_out;
  r[3].buffer_type = MYSQL_TYPE_DOUBLE, r[3].buffer = &r_ratio;
  r[4].buffer_type = MYSQL_TYPE_DATE, r[4].buffer = &r_day;
  r[5].buffer_type = MYSQL_TYPE_DATETIME, r[5].buffer = &r_stamp;
  r[6].buffer_type = MYSQL_TYPE_STRING, r[6].buffer = r_note, r[6].buffer_length = sizeof r_note,
  r[6].length = &note_out;
  r[7].buffer_type = MYSQL_TYPE_LONGLONG, r[7].buffer = &r_len;
  r[8].buffer_type = MYSQL_TYPE_STRING, r[8].buffer = r_md5, r[8].buffer_length = sizeof r_md5,
  r[8].length = &md5_out;
  for (int i = 0; i < 9; ++i) r[i].is_null = &nulls[i];
  ASSERT_EQ(mysql_stmt_bind_result(sel, r), 0);
  ASSERT_EQ(mysql_stmt_fetch(sel), 0) << mysql_stmt_error(sel);
  EXPECT_EQ(r_tiny, -7);
  EXPECT_EQ(r_big, big);
  EXPECT_EQ(std::string(r_price, price_out), price);
  EXPECT_EQ(r_ratio, 0.125);
  EXPECT_EQ(r_day.year, 2024u);
  EXPECT_EQ(r_day.month, 2u);
  EXPECT_EQ(r_day.day, 29u);
  EXPECT_EQ(r_stamp.second_part, 123456u);
  EXPECT_EQ(r_stamp.hour, 23u);
  EXPECT_TRUE(nulls[6]);
  EXPECT_EQ(r_len, blob.size());
  EXPECT_EQ(mysql_stmt_fetch(sel), MYSQL_NO_DATA);
  // The same statement on the all-NULL row.
  key = 2;
  ASSERT_EQ(mysql_stmt_execute(sel), 0) << mysql_stmt_error(sel);
  ASSERT_EQ(mysql_stmt_fetch(sel), 0);
  for (int i = 0; i < 9; ++i) EXPECT_TRUE(nulls[i]) << i;
  mysql_stmt_close(sel);
  EXPECT_EQ(c.scalar("SELECT md5(data) = md5(data) FROM t WHERE id = 1"), "1");
  c.exec("DELETE FROM t");
}

TEST_F(MyConnectorC, TwentyMegabyteRowBothWays) {
  Conn c;
  ASSERT_TRUE(c.connect(proxy_->my_port())) << mysql_error(c.m);
  std::string data(big_row, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 26);
  MYSQL_STMT* ins = mysql_stmt_init(c.m);
  std::string sql = "INSERT INTO t (id, data) VALUES (10, ?)";
  ASSERT_EQ(mysql_stmt_prepare(ins, sql.c_str(), sql.size()), 0) << mysql_stmt_error(ins);
  unsigned long len = data.size();
  MYSQL_BIND b{};
  b.buffer_type = MYSQL_TYPE_LONG_BLOB, b.buffer = data.data(), b.buffer_length = len,
  b.length = &len;
  ASSERT_EQ(mysql_stmt_bind_param(ins, &b), 0);
  // One COM_STMT_EXECUTE of 20 MB: two packets of 16 MiB + the rest.
  ASSERT_EQ(mysql_stmt_execute(ins), 0) << mysql_stmt_error(ins);
  mysql_stmt_close(ins);
  EXPECT_EQ(c.scalar("SELECT length(data) FROM t WHERE id = 10"), std::to_string(big_row));

  // Binary protocol row of 20 MB coming back.
  MYSQL_STMT* sel = mysql_stmt_init(c.m);
  std::string q = "SELECT data FROM t WHERE id = 10";
  ASSERT_EQ(mysql_stmt_prepare(sel, q.c_str(), q.size()), 0);
  ASSERT_EQ(mysql_stmt_execute(sel), 0) << mysql_stmt_error(sel);
  std::string back(big_row, '\0');
  unsigned long back_len = 0;
  MYSQL_BIND r{};
  r.buffer_type = MYSQL_TYPE_LONG_BLOB, r.buffer = back.data(), r.buffer_length = big_row,
  r.length = &back_len;
  ASSERT_EQ(mysql_stmt_bind_result(sel, &r), 0);
  ASSERT_EQ(mysql_stmt_fetch(sel), 0) << mysql_stmt_error(sel);
  EXPECT_EQ(back_len, big_row);
  EXPECT_TRUE(back == data);
  mysql_stmt_close(sel);

  // Text protocol row of 20 MB.
  ASSERT_EQ(mysql_query(c.m, "SELECT data FROM t WHERE id = 10"), 0) << mysql_error(c.m);
  MYSQL_RES* res = mysql_store_result(c.m);
  ASSERT_NE(res, nullptr);
  MYSQL_ROW row = mysql_fetch_row(res);
  unsigned long* lengths = mysql_fetch_lengths(res);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(lengths[0], big_row);
  EXPECT_EQ(std::memcmp(row[0], data.data(), big_row), 0);
  mysql_free_result(res);
  EXPECT_EQ(c.scalar("SELECT 1"), "1");
  c.exec("DELETE FROM t");
}

TEST_F(MyConnectorC, ReadOnlyCursorFetchesInBatches) {
  Conn c;
  ASSERT_TRUE(c.connect(proxy_->my_port())) << mysql_error(c.m);
  c.exec("INSERT INTO t (id, note) VALUES (21,'a'),(22,'b'),(23,'c'),(24,'d'),(25,'e')");
  MYSQL_STMT* sel = mysql_stmt_init(c.m);
  unsigned long cursor = CURSOR_TYPE_READ_ONLY, prefetch = 2;
  mysql_stmt_attr_set(sel, STMT_ATTR_CURSOR_TYPE, &cursor);
  mysql_stmt_attr_set(sel, STMT_ATTR_PREFETCH_ROWS, &prefetch);
  std::string q = "SELECT id FROM t WHERE id > 20 ORDER BY id";
  ASSERT_EQ(mysql_stmt_prepare(sel, q.c_str(), q.size()), 0);
  ASSERT_EQ(mysql_stmt_execute(sel), 0) << mysql_stmt_error(sel);
  int id = 0;
  MYSQL_BIND r{};
  r.buffer_type = MYSQL_TYPE_LONG, r.buffer = &id;
  ASSERT_EQ(mysql_stmt_bind_result(sel, &r), 0);
  std::vector<int> ids;
  int rc;
  while ((rc = mysql_stmt_fetch(sel)) == 0) ids.push_back(id);
  EXPECT_EQ(rc, MYSQL_NO_DATA) << mysql_stmt_error(sel);
  EXPECT_EQ(ids, (std::vector<int>{21, 22, 23, 24, 25}));
  // Reset and run again on the same statement.
  ASSERT_EQ(mysql_stmt_reset(sel), 0) << mysql_stmt_error(sel);
  ASSERT_EQ(mysql_stmt_execute(sel), 0) << mysql_stmt_error(sel);
  ASSERT_EQ(mysql_stmt_fetch(sel), 0);
  EXPECT_EQ(id, 21);
  mysql_stmt_close(sel);
  EXPECT_EQ(c.scalar("SELECT count(*) FROM t"), "5");
  c.exec("DELETE FROM t");
}

TEST_F(MyConnectorC, MultiResultsFromAProcedure) {
  Conn c;
  ASSERT_TRUE(c.connect(proxy_->my_port())) << mysql_error(c.m);
  c.exec("CREATE OR REPLACE PROCEDURE two() BEGIN SELECT 1 AS a; SELECT 2 AS b, 3 AS c; END");
  ASSERT_EQ(mysql_query(c.m, "CALL two()"), 0) << mysql_error(c.m);
  int sets = 0;
  do {
    MYSQL_RES* res = mysql_store_result(c.m);
    if (res) {
      ++sets;
      mysql_free_result(res);
    }
  } while (mysql_next_result(c.m) == 0);
  EXPECT_EQ(sets, 2);
  EXPECT_EQ(c.scalar("SELECT 9"), "9");
}

}  // namespace
}  // namespace sw::test
