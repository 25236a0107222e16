// Protocol features through a real sqlwarden process: query cancel, COPY
// both ways (and CopyFail), FunctionCall, asynchronous notifications,
// and pg_dump/psql/pg_restore round trips.
#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/pg_util.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

TEST(PgProtocol, CancelRunningQuery) {
  ProxyProcess proxy("pg_cancel");
  auto c = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  ASSERT_EQ(PQsendQuery(c.get(), "select pg_sleep(30)"), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto t0 = std::chrono::steady_clock::now();
  PGcancel* cancel = PQgetCancel(c.get());
  char err[256];
  EXPECT_EQ(PQcancel(cancel, err, sizeof(err)), 1) << err;
  PQfreeCancel(cancel);
  PgResult r(PQgetResult(c.get()));
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(sqlstate(r.get()), "57014") << PQresultErrorMessage(r.get());
  EXPECT_LT(elapsed, std::chrono::seconds(1));
  std::printf("cancel: 57014 after %lld ms\n",
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
  while (PGresult* rest = PQgetResult(c.get())) PQclear(rest);
  EXPECT_EQ(pg_value(c.get(), "select 'still usable'"), "still usable");
  // A wrong key cancels nothing.
  ASSERT_EQ(PQsendQuery(c.get(), "select pg_sleep(0.5)::text"), 1);
  auto other = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  PGcancel* wrong = PQgetCancel(other.get());
  PQcancel(wrong, err, sizeof(err));
  PQfreeCancel(wrong);
  r = PgResult(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  while (PGresult* rest = PQgetResult(c.get())) PQclear(rest);
}

// A pipelining client whose next request reaches the proxy while the proxy
// is still writing the previous one to the server: the proxy must notice
// those bytes however the readiness event and its wait interleave (an
// edge-triggered readiness consumed while no wait was queued stalls the
// session until the client sends again, which a pipelining client never
// does). Hundreds of rounds with varying gaps make the interleaving likely.
void pipelined_pieces_never_stall(const std::string& mode) {
  ProxyProcess proxy("pg_pipe_" + mode,
                     extra_toml_options("[tenants.pool]\nmode = \"" + mode + "\"\nsize = 4\n"));
  auto c = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  ASSERT_EQ(PQenterPipelineMode(c.get()), 1);
  PQsetnonblocking(c.get(), 1);
  const int rounds = 400;
  for (int i = 0; i < rounds; ++i) {
    for (int q = 0; q < 2; ++q) {
      std::string v = std::to_string(i * 2 + q);
      const char* values[] = {v.c_str()};
      ASSERT_EQ(
          PQsendQueryParams(c.get(), "select $1::int", 1, nullptr, values, nullptr, nullptr, 0), 1);
      ASSERT_EQ(PQpipelineSync(c.get()), 1);
      while (PQflush(c.get()) == 1) std::this_thread::sleep_for(std::chrono::microseconds(50));
      // 0–150 µs between the two pieces: around the proxy's own write.
      if (q == 0) std::this_thread::sleep_for(std::chrono::microseconds((i * 37) % 150));
    }
    int syncs = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (syncs < 2) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "round " << i << ": the proxy stalled with a pipelined request unanswered";
      if (PQisBusy(c.get())) {
        pollfd p{PQsocket(c.get()), POLLIN, 0};
        ::poll(&p, 1, 100);
        ASSERT_EQ(PQconsumeInput(c.get()), 1) << PQerrorMessage(c.get());
        continue;
      }
      PGresult* r = PQgetResult(c.get());
      if (!r) continue;  // end of one query's results
      auto status = PQresultStatus(r);
      if (status == PGRES_PIPELINE_SYNC) ++syncs;
      EXPECT_TRUE(status == PGRES_TUPLES_OK || status == PGRES_PIPELINE_SYNC)
          << PQresStatus(status) << " " << PQresultErrorMessage(r);
      PQclear(r);
    }
  }
}

TEST(PgProtocol, PipelinedPiecesNeverStallTransactionMode) {
  pipelined_pieces_never_stall("transaction");
}

TEST(PgProtocol, PipelinedPiecesNeverStallSessionMode) {
  pipelined_pieces_never_stall("session");
}

TEST(PgProtocol, CopyInOutAndCopyFail) {
  ProxyProcess proxy("pg_copy");
  auto c = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  pg_exec(c.get(), "create temp table copy_t (id int, payload text)");
  auto r = pg_exec(c.get(), "copy copy_t from stdin");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COPY_IN) << PQresultErrorMessage(r.get());
  // 20,000 rows of ~1 kB: far more than any buffer, streamed through.
  std::string big(1000, 'x');
  for (int i = 0; i < 20000; ++i) {
    std::string line = std::to_string(i) + "\t" + big + "\n";
    ASSERT_EQ(PQputCopyData(c.get(), line.data(), static_cast<int>(line.size())), 1);
  }
  ASSERT_EQ(PQputCopyEnd(c.get(), nullptr), 1);
  r = PgResult(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQcmdTuples(r.get()), "20000");
  while (PGresult* rest = PQgetResult(c.get())) PQclear(rest);

  r = pg_exec(c.get(), "copy (select * from copy_t order by id) to stdout");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COPY_OUT);
  int rows = 0;
  std::size_t bytes = 0;
  char* buf = nullptr;
  int n;
  while ((n = PQgetCopyData(c.get(), &buf, 0)) > 0) {
    ++rows;
    bytes += static_cast<std::size_t>(n);
    PQfreemem(buf);
  }
  EXPECT_EQ(rows, 20000);
  EXPECT_GT(bytes, 20000u * 1000u);
  r = PgResult(PQgetResult(c.get()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  while (PGresult* rest = PQgetResult(c.get())) PQclear(rest);

  // CopyFail: the server aborts the COPY with the client's message.
  r = pg_exec(c.get(), "copy copy_t from stdin");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COPY_IN);
  PQputCopyData(c.get(), "1\tx\n", 4);
  PQputCopyEnd(c.get(), "client changed its mind");
  r = PgResult(PQgetResult(c.get()));
  EXPECT_EQ(sqlstate(r.get()), "57014");
  EXPECT_NE(std::string(PQresultErrorMessage(r.get())).find("client changed its mind"),
            std::string::npos);
  while (PGresult* rest = PQgetResult(c.get())) PQclear(rest);
  EXPECT_EQ(pg_value(c.get(), "select count(*) from copy_t"), "20000");
}

TEST(PgProtocol, FunctionCallLargeObjects) {
  ProxyProcess proxy("pg_fn");
  auto c = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  pg_exec(c.get(), "begin");
  // libpq's large-object API speaks FunctionCall messages.
  Oid oid = lo_creat(c.get(), 0x20000 | 0x40000);
  ASSERT_NE(oid, 0u) << PQerrorMessage(c.get());
  int fd = lo_open(c.get(), oid, 0x20000 | 0x40000);
  ASSERT_GE(fd, 0) << PQerrorMessage(c.get());
  EXPECT_EQ(lo_write(c.get(), fd, "hello", 5), 5);
  EXPECT_EQ(lo_lseek(c.get(), fd, 0, SEEK_SET), 0);
  char buf[8] = {};
  EXPECT_EQ(lo_read(c.get(), fd, buf, 5), 5);
  EXPECT_STREQ(buf, "hello");
  EXPECT_EQ(lo_close(c.get(), fd), 0);
  EXPECT_EQ(lo_unlink(c.get(), oid), 1);
  pg_exec(c.get(), "commit");
  EXPECT_EQ(PQtransactionStatus(c.get()), PQTRANS_IDLE);
}

TEST(PgProtocol, ListenNotifyAcrossClients) {
  ProxyProcess proxy("pg_notify");
  auto listener = pg_connect(proxy.pg_port(), "app", "lablink_db");
  auto writer = pg_connect(proxy.pg_port(), "app", "lablink_db");
  ASSERT_EQ(PQstatus(listener.get()), CONNECTION_OK) << PQerrorMessage(listener.get());
  ASSERT_EQ(PQstatus(writer.get()), CONNECTION_OK) << PQerrorMessage(writer.get());
  auto r = pg_exec(listener.get(), "listen vm_updates");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  r = pg_exec(writer.get(),
              "update vms set status = 'in-use', email = 'notify@test' "
              "where hostname = 'i-0abc123def457'");
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  // The notification arrives unprompted: wait on the socket.
  PGnotify* n = nullptr;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!n && std::chrono::steady_clock::now() < deadline) {
    pollfd p{PQsocket(listener.get()), POLLIN, 0};
    ::poll(&p, 1, 200);
    PQconsumeInput(listener.get());
    n = PQnotifies(listener.get());
  }
  ASSERT_NE(n, nullptr);
  EXPECT_STREQ(n->relname, "vm_updates");
  std::string payload = n->extra;
  PQfreemem(n);
  EXPECT_NE(payload.find("\"hostname\":\"i-0abc123def457\""), std::string::npos) << payload;
  EXPECT_NE(payload.find("\"email\":\"notify@test\""), std::string::npos) << payload;
  EXPECT_NE(payload.find("\"status\":\"in-use\""), std::string::npos) << payload;
  pg_exec(writer.get(),
          "update vms set status = 'available', email = null where hostname = 'i-0abc123def457'");
}

// A dump without the \restrict/\unrestrict lines, whose key is random per run.
std::string read_dump(const std::string& path) {
  std::ifstream in(path);
  std::string out;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("\\restrict ", 0) != 0 && line.rfind("\\unrestrict ", 0) != 0)
      out += line + "\n";
  return out;
}

TEST(PgProtocol, DumpAndRestoreRoundTrip) {
  ProxyProcess proxy("pg_dump");
  const std::string dir = proxy.dir();
  auto admin = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(admin.get()), CONNECTION_OK);
  for (const char* db : {"sw_restore_plain", "sw_restore_custom"}) {
    pg_exec(admin.get(), fmt::format("drop database if exists {}", db));
    auto r = pg_exec(admin.get(), fmt::format("create database {}", db));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  }
  std::string env =
      fmt::format("PGPASSWORD=app PGHOST=127.0.0.1 PGPORT={} PGUSER=app ", proxy.pg_port());
  // Plain: pg_dump | psql, both through the proxy.
  auto r = run_command(env + "pg_dump lablink_db | " + env +
                       "psql -X -q -v ON_ERROR_STOP=1 sw_restore_plain >/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Custom format: pg_dump -Fc, pg_restore.
  r = run_command(env + "pg_dump -Fc -f " + dir + "/lablink.dump lablink_db && " + env +
                  "pg_restore --exit-on-error -d sw_restore_custom " + dir + "/lablink.dump");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Compare what pg_dump says about source and copies.
  for (const char* db : {"lablink_db", "sw_restore_plain", "sw_restore_custom"}) {
    r = run_command(env + "pg_dump " + db + " > " + dir + "/" + db + ".sql");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::string source = read_dump(dir + "/lablink_db.sql");
  EXPECT_GT(source.size(), 1000u);
  EXPECT_NE(source.find("i-0abc123def456"), std::string::npos);
  EXPECT_TRUE(read_dump(dir + "/sw_restore_plain.sql") == source) << "see " << dir;
  EXPECT_TRUE(read_dump(dir + "/sw_restore_custom.sql") == source) << "see " << dir;
  for (const char* db : {"sw_restore_plain", "sw_restore_custom"})
    pg_exec(admin.get(), fmt::format("drop database {}", db));
}

}  // namespace
}  // namespace sw::test
