// Issue 11, MySQL 1: the compressed protocol (CLIENT_COMPRESS) through the
// proxy, each side negotiated on its own. Connector/C with
// MYSQL_OPT_COMPRESS and the mariadb CLI with --compress get what they get
// direct (small and large results, many rows, prepared statements, errors,
// a 20 MB row); the server side is compressed when the client that made
// the pooled connection asked for it, and a pooled connection of either
// kind serves a client of the other kind.
#include <mysql.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

struct Conn {
  MYSQL* m = mysql_init(nullptr);
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() { mysql_close(m); }
  bool connect(std::uint16_t port, bool compress, const char* user = "app") {
    if (compress) mysql_optionsv(m, MYSQL_OPT_COMPRESS, nullptr);
    unsigned long max_packet = 64ul << 20;
    mysql_optionsv(m, MYSQL_OPT_MAX_ALLOWED_PACKET, &max_packet);
    return mysql_real_connect(m, "127.0.0.1", user, user, "exo_cluster", port, nullptr, 0) !=
           nullptr;
  }
  bool compressed() const { return m->net.compress != 0; }
  // Every row of every result of `sql`, tab-separated, or the error.
  std::string rows(const std::string& sql) {
    if (mysql_query(m, sql.c_str()) != 0)
      return fmt::format("error {} {}", mysql_errno(m), mysql_error(m));
    std::string out;
    do {
      MYSQL_RES* res = mysql_store_result(m);
      if (!res) {
        out += fmt::format("ok {}\n", mysql_affected_rows(m));
        continue;
      }
      unsigned n = mysql_num_fields(res);
      while (MYSQL_ROW row = mysql_fetch_row(res)) {
        unsigned long* len = mysql_fetch_lengths(res);
        for (unsigned i = 0; i < n; ++i) {
          out += row[i] ? std::string(row[i], len[i]) : "NULL";
          out += i + 1 < n ? '\t' : '\n';
        }
      }
      mysql_free_result(res);
    } while (mysql_next_result(m) == 0);
    return out;
  }
  // The server's view of this session's transport.
  std::string server_compression() {
    std::string r = rows("SHOW SESSION STATUS LIKE 'Compression'");
    return r.substr(r.find('\t') + 1, r.find('\n') - r.find('\t') - 1);
  }
  // A prepared SELECT with a parameter, read through the binary protocol.
  std::string prepared(long long v) {
    MYSQL_STMT* st = mysql_stmt_init(m);
    auto failed = [st] {
      std::string e = mysql_stmt_error(st);
      mysql_stmt_close(st);
      return e;
    };
    std::string sql =
        "SELECT ? * 2, REPEAT('y', 300), hostname FROM cluster_nodes ORDER BY node_id";
    if (mysql_stmt_prepare(st, sql.c_str(), sql.size()) != 0) return failed();
    MYSQL_BIND in{};
    in.buffer_type = MYSQL_TYPE_LONGLONG;
    in.buffer = &v;
    mysql_stmt_bind_param(st, &in);
    if (mysql_stmt_execute(st) != 0) return failed();
    long long doubled = 0;
    char text[400] = {};
    char name[200] = {};
    unsigned long text_len = 0, name_len = 0;
    MYSQL_BIND out[3]{};
    out[0].buffer_type = MYSQL_TYPE_LONGLONG;
    out[0].buffer = &doubled;
    out[1].buffer_type = MYSQL_TYPE_STRING;
    out[1].buffer = text;
    out[1].buffer_length = sizeof text;
    out[1].length = &text_len;
    out[2].buffer_type = MYSQL_TYPE_STRING;
    out[2].buffer = name;
    out[2].buffer_length = sizeof name;
    out[2].length = &name_len;
    mysql_stmt_bind_result(st, out);
    std::string r;
    while (mysql_stmt_fetch(st) == 0)
      r += fmt::format("{} {} {}\n", doubled, text_len, std::string(name, name_len));
    mysql_stmt_close(st);
    return r;
  }
};

const std::vector<std::string>& statements() {
  static const std::vector<std::string> s = {
      "SELECT count(*) FROM cluster_nodes",
      "SELECT * FROM cluster_nodes ORDER BY 1",
      "SELECT seq, REPEAT('abc', seq % 50) FROM seq_1_to_20000",  // many rows, many packets
      "SELECT REPEAT('z', 3000000), MD5(REPEAT('q', 1000))",      // one row over 1 MiB
      "SELECT 1; SELECT 'two', 2; DO 3",                          // multi-results
      "SELECT * FROM no_such_table",
      "SELECT LENGTH(REPEAT(x'00ff', 10000000))",
  };
  return s;
}

// The 20 MB statement needs the server to take it (as my_connector_c_test
// does): new sessions get the raised limit, so call it before the proxy
// opens any.
void raise_max_allowed_packet() {
  Conn root;
  ASSERT_TRUE(root.connect(servers().my_port, false)) << mysql_error(root.m);
  ASSERT_EQ(mysql_query(root.m, "SET GLOBAL max_allowed_packet = 67108864"), 0)
      << mysql_error(root.m);
}

ProxyOptions pool_options(const char* mode) {
  ProxyOptions o;
  o.workers = 1;  // one shard per pool: a released connection is the next one borrowed
  o.extra_toml = fmt::format("[tenants.pool]\nmode = \"{}\"\n", mode);
  return o;
}

void expect_same_as_direct(std::uint16_t port, bool compress) {
  Conn direct, proxied;
  ASSERT_TRUE(direct.connect(servers().my_port, compress)) << mysql_error(direct.m);
  ASSERT_TRUE(proxied.connect(port, compress)) << mysql_error(proxied.m);
  EXPECT_EQ(proxied.compressed(), compress);
  for (const std::string& sql : statements()) EXPECT_EQ(proxied.rows(sql), direct.rows(sql)) << sql;
  EXPECT_EQ(proxied.prepared(21), direct.prepared(21));
  EXPECT_EQ(proxied.prepared(21).substr(0, 7), "42 300 ");
  EXPECT_EQ(proxied.prepared(-4), direct.prepared(-4));
  // A 20 MB statement goes the other way (split into 16 MiB packets inside
  // compressed ones).
  std::string big = "SELECT LENGTH('" + std::string(20u << 20, 'w') + "')";
  EXPECT_EQ(proxied.rows(big), "20971520\n");
  EXPECT_EQ(mysql_ping(proxied.m), 0);
}

TEST(MyCompress, ConnectorCCompressedMatchesDirectInEveryMode) {
  raise_max_allowed_packet();
  for (const char* mode : {"transaction", "session"}) {
    SCOPED_TRACE(mode);
    ProxyProcess proxy("my_compress", pool_options(mode));
    expect_same_as_direct(proxy.my_port(), true);
    expect_same_as_direct(proxy.my_port(), false);
  }
}

TEST(MyCompress, EachSideIsNegotiatedOnItsOwn) {
  ProxyProcess proxy("my_compress_sides", pool_options("session"));
  {
    // The server connection opened for a compressing client compresses.
    Conn direct, first;
    ASSERT_TRUE(direct.connect(servers().my_port, true));
    ASSERT_TRUE(first.connect(proxy.my_port(), true));
    EXPECT_TRUE(first.compressed());
    EXPECT_EQ(direct.server_compression(), "ON");
    EXPECT_EQ(first.server_compression(), "ON");
  }
  // It goes back to the pool; a plain client gets it and sees plain packets.
  std::string seen;
  for (int attempt = 0; attempt < 20 && seen != "ON"; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Conn plain;
    ASSERT_TRUE(plain.connect(proxy.my_port(), false)) << mysql_error(plain.m);
    EXPECT_FALSE(plain.compressed());
    seen = plain.server_compression();
    EXPECT_EQ(plain.rows("SELECT count(*) FROM seq_1_to_5000"), "5000\n");
  }
  EXPECT_EQ(seen, "ON") << "the pooled compressed connection was never reused";

  // And the other way: a plain pooled connection serves a compressing client.
  {
    Conn plain;
    ASSERT_TRUE(plain.connect(proxy.my_port(), false, "reader"));
    EXPECT_EQ(plain.server_compression(), "OFF");
  }
  seen.clear();
  for (int attempt = 0; attempt < 20 && seen != "OFF"; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Conn compressing;
    ASSERT_TRUE(compressing.connect(proxy.my_port(), true, "reader")) << mysql_error(compressing.m);
    EXPECT_TRUE(compressing.compressed());
    seen = compressing.server_compression();
    EXPECT_EQ(compressing.rows("SELECT count(*), max(seq) FROM seq_1_to_5000"), "5000\t5000\n");
  }
  EXPECT_EQ(seen, "OFF") << "the pooled plain connection was never reused";
}

TEST(MyCompress, MariadbCliWithCompressMatchesDirect) {
  ProxyProcess proxy("my_compress_cli", pool_options("session"));
  std::string script =
      "SELECT * FROM cluster_nodes ORDER BY 1; SELECT seq FROM seq_1_to_3000 WHERE seq % 7 = 0; "
      "SELECT REPEAT('long line ', 20000); SHOW SESSION STATUS LIKE 'Compression'; "
      "SELECT * FROM no_such_table";
  auto run = [&](std::uint16_t port) {
    return run_command(fmt::format(
        "mariadb --no-defaults --compress -h 127.0.0.1 -P {} -u app -papp exo_cluster -N -B -e {}",
        port, shell_quote(script)));
  };
  auto direct = run(servers().my_port);
  auto proxied = run(proxy.my_port());
  EXPECT_EQ(proxied.exit_code, direct.exit_code);
  EXPECT_EQ(proxied.output, direct.output);
  EXPECT_NE(direct.output.find("Compression\tON"), std::string::npos) << direct.output;
}

}  // namespace
}  // namespace sw::test
