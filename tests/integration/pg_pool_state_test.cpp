// Session state under pooling (issue 10, acceptance 3 for PostgreSQL): two
// clients on a pool of size 1, so they certainly share one server
// connection, in all three modes. For each item: client A sets it, client B
// never sees it, A still sees it on its next transaction — or the documented
// pin (B must wait while A holds state that cannot move) or, in a strict
// pool, a clear error.
#include <libpq-fe.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/pg_util.hpp"
#include "tests/support/proxy_process.hpp"

namespace sw::test {
namespace {

constexpr const char* kDb = "exo_cluster";

// One proxy per mode (and a strict one), started on first use.
ProxyProcess& proxy(const std::string& mode, bool strict = false) {
  static std::map<std::string, std::unique_ptr<ProxyProcess>> proxies;
  std::string name = mode + (strict ? "_strict" : "");
  auto& p = proxies[name];
  if (!p) {
    ProxyOptions o;
    o.workers = 2;  // two shards: the size-1 budget is shared across workers
    o.extra_toml =
        fmt::format("[pool]\nmode = \"{}\"\nsize = 1\nclient_wait_timeout_ms = 1500\nstrict = {}\n",
                    mode, strict ? "true" : "false");
    p = std::make_unique<ProxyProcess>("pg_pool_state_" + name, o);
  }
  return *p;
}

const std::vector<std::string> kModes = {"session", "transaction", "statement"};

PgConn connect(ProxyProcess& p) {
  PgConn c = pg_connect(p.pg_port(), "app", kDb);
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  return c;
}

// Runs statements that must succeed.
void ok(PGconn* c, const std::string& sql) {
  PgResult r = pg_exec(c, sql);
  auto st = PQresultStatus(r.get());
  EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
      << sql << ": " << PQresultErrorMessage(r.get());
}

// A replayable setting: A's value survives B's use of the same server
// connection, B sees the default.
void replayed(const std::string& set_sql, const std::string& show_sql, const std::string& mine,
              const std::string& default_value) {
  for (const auto& mode : kModes) {
    SCOPED_TRACE("mode " + mode);
    ProxyProcess& p = proxy(mode);
    PgConn a = connect(p);
    ok(a.get(), set_sql);
    EXPECT_EQ(pg_value(a.get(), show_sql), mine);
    if (mode == "session") a.reset();  // size 1: B gets the connection after A
    PgConn b = connect(p);
    EXPECT_EQ(pg_value(b.get(), show_sql), default_value);
    if (a) {
      b.reset();
      EXPECT_EQ(pg_value(a.get(), show_sql), mine);  // A's next transaction
    }
  }
}

TEST(PgStateLeak, Set) {
  replayed("SET work_mem = '7MB'", "SHOW work_mem", "7MB", "4MB");
}

TEST(PgStateLeak, SearchPath) {
  replayed("SET search_path = pg_catalog, public", "SHOW search_path", "pg_catalog, public",
           "\"$user\", public");
}

TEST(PgStateLeak, SetRole) {
  replayed("SET ROLE app", "SHOW role", "app", "none");
}

TEST(PgStateLeak, ClientEncodingAndParameterStatus) {
  replayed("SET client_encoding = 'LATIN1'", "SHOW client_encoding", "LATIN1", "UTF8");
  for (const auto& mode : kModes) {
    SCOPED_TRACE("mode " + mode);
    ProxyProcess& p = proxy(mode);
    PgConn a = connect(p);
    ok(a.get(), "SET application_name = 'alpha'");
    EXPECT_STREQ(PQparameterStatus(a.get(), "application_name"), "alpha");
    if (mode == "session") a.reset();
    PgConn b = connect(p);
    EXPECT_STREQ(PQparameterStatus(b.get(), "application_name"), "");
    EXPECT_EQ(pg_value(b.get(), "SHOW application_name"), "");
    if (a) {
      b.reset();
      EXPECT_EQ(pg_value(a.get(), "SHOW application_name"), "alpha");
    }
  }
}

TEST(PgStateLeak, StartupParameters) {
  for (const auto& mode : kModes) {
    SCOPED_TRACE("mode " + mode);
    ProxyProcess& p = proxy(mode);
    PgConn a = pg_connect(p.pg_port(), "app", kDb, "options='-c work_mem=9MB' application_name=A");
    ASSERT_EQ(PQstatus(a.get()), CONNECTION_OK) << PQerrorMessage(a.get());
    EXPECT_EQ(pg_value(a.get(), "SHOW work_mem"), "9MB");
    if (mode == "session") a.reset();
    PgConn b = connect(p);
    EXPECT_EQ(pg_value(b.get(), "SHOW work_mem"), "4MB");
    if (a) {
      b.reset();
      EXPECT_EQ(pg_value(a.get(), "SHOW work_mem"), "9MB");
      EXPECT_EQ(pg_value(a.get(), "SHOW application_name"), "A");
    }
  }
}

TEST(PgStateLeak, Reset) {
  for (const auto& mode : kModes) {
    SCOPED_TRACE("mode " + mode);
    ProxyProcess& p = proxy(mode);
    PgConn a = connect(p);
    ok(a.get(), "SET work_mem = '8MB'");
    ok(a.get(), "SET statement_timeout = '5s'");
    ok(a.get(), "RESET work_mem");
    EXPECT_EQ(pg_value(a.get(), "SHOW work_mem"), "4MB");
    EXPECT_EQ(pg_value(a.get(), "SHOW statement_timeout"), "5s");
    ok(a.get(), "RESET ALL");
    EXPECT_EQ(pg_value(a.get(), "SHOW statement_timeout"), "0");
  }
}

TEST(PgStateLeak, SetLocalDiesWithTheTransaction) {
  for (const auto& mode : kModes) {
    SCOPED_TRACE("mode " + mode);
    ProxyProcess& p = proxy(mode);
    PgConn a = connect(p);
    if (mode == "statement") {
      // No transaction blocks in statement mode: BEGIN is refused clearly.
      PgResult r = pg_exec(a.get(), "BEGIN");
      EXPECT_EQ(sqlstate(r.get()), "25000") << PQresultErrorMessage(r.get());
      EXPECT_EQ(PQtransactionStatus(a.get()), PQTRANS_IDLE);
      continue;
    }
    ok(a.get(), "BEGIN");
    ok(a.get(), "SET LOCAL work_mem = '6MB'");
    EXPECT_EQ(pg_value(a.get(), "SHOW work_mem"), "6MB");
    ok(a.get(), "COMMIT");
    EXPECT_EQ(pg_value(a.get(), "SHOW work_mem"), "4MB");
    a.reset();  // session mode, size 1: B gets the connection after A
    PgConn b = connect(p);
    EXPECT_EQ(pg_value(b.get(), "SHOW work_mem"), "4MB");
  }
}

// State that cannot move: A keeps its server connection (B, on a pool of
// one, waits and times out with 53300 naming the pool) until the state is
// gone; B never sees it; A's disconnect wipes it.
void pinned(const std::string& create, const std::string& a_check, const std::string& a_value,
            const std::string& drop, const std::string& b_check, const std::string& b_value) {
  for (const auto& mode : kModes) {
    SCOPED_TRACE("mode " + mode);
    ProxyProcess& p = proxy(mode);
    PgConn a = connect(p);
    ok(a.get(), create);
    EXPECT_EQ(pg_value(a.get(), a_check), a_value);  // A's next transaction still has it
    if (mode != "session") {
      PgConn b = pg_connect(p.pg_port(), "app", kDb);
      EXPECT_NE(PQstatus(b.get()), CONNECTION_OK);
      EXPECT_NE(std::string(PQerrorMessage(b.get())).find("pool \"default/app@"), std::string::npos)
          << PQerrorMessage(b.get());
      ok(a.get(), drop);  // the state is gone: the connection is shared again
      PgConn b2 = connect(p);
      EXPECT_EQ(pg_value(b2.get(), b_check), b_value);
      b2.reset();
      ok(a.get(), create);  // again, and this time A leaves holding it
    }
    a.reset();
    PgConn b = connect(p);
    EXPECT_EQ(pg_value(b.get(), b_check), b_value);
  }
  // strict: refused with a clear error, nothing left behind.
  ProxyProcess& p = proxy("transaction", true);
  PgConn a = connect(p);
  PgResult r = pg_exec(a.get(), create);
  EXPECT_EQ(sqlstate(r.get()), "0A000") << PQresultErrorMessage(r.get());
  EXPECT_NE(std::string(PQresultErrorMessage(r.get())).find("strict"), std::string::npos);
  EXPECT_EQ(pg_value(a.get(), b_check), b_value);
  PgConn b = connect(p);  // not pinned: B gets the connection at once
  EXPECT_EQ(pg_value(b.get(), "SELECT 1"), "1");
}

TEST(PgStateLeak, TempTable) {
  pinned("CREATE TEMP TABLE pool_tmp (x int); INSERT INTO pool_tmp VALUES (1)",
         "SELECT count(*) FROM pool_tmp", "1", "DROP TABLE pool_tmp",
         "SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'pool_tmp'", "0");
}

TEST(PgStateLeak, AdvisoryLock) {
  pinned("SELECT pg_advisory_lock(4242)",
         "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
         "1", "SELECT pg_advisory_unlock(4242)",
         "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242", "0");
}

TEST(PgStateLeak, WithHoldCursor) {
  pinned("DECLARE pool_cur CURSOR WITH HOLD FOR SELECT 7", "FETCH pool_cur", "7", "CLOSE pool_cur",
         "SELECT count(*) FROM pg_cursors", "0");
}

TEST(PgStateLeak, SqlPrepare) {
  pinned("PREPARE pool_p AS SELECT 5", "EXECUTE pool_p", "5", "DEALLOCATE pool_p",
         "SELECT count(*) FROM pg_prepared_statements WHERE from_sql", "0");
}

// LISTEN (issue 12): in session mode the client's own server connection
// listens; in transaction and statement mode (strict or not) the proxy
// answers it and the pool's listening connection listens, so nothing pins
// and no pooled server connection ever listens. With size 1 the listening
// connection comes on top of the pool (it would otherwise take the only slot).
TEST(PgStateLeak, Listen) {
  {
    ProxyProcess& p = proxy("session");
    PgConn a = connect(p);
    ok(a.get(), "LISTEN pool_chan");
    EXPECT_EQ(pg_value(a.get(), "SELECT count(*) FROM pg_listening_channels()"), "1");
    a.reset();
    PgConn b = connect(p);
    EXPECT_EQ(pg_value(b.get(), "SELECT count(*) FROM pg_listening_channels()"), "0");
  }
  for (auto [mode, strict] : {std::pair{"transaction", false}, std::pair{"statement", false},
                              std::pair{"transaction", true}}) {
    SCOPED_TRACE(std::string(mode) + (strict ? " strict" : ""));
    ProxyProcess& p = proxy(mode, strict);
    PgConn a = connect(p);
    ok(a.get(), "LISTEN pool_chan");
    EXPECT_EQ(pg_value(a.get(), "SELECT count(*) FROM pg_listening_channels()"), "0");
    PgConn b = connect(p);  // not pinned: B gets the only server connection at once
    EXPECT_EQ(pg_value(b.get(), "SELECT count(*) FROM pg_listening_channels()"), "0");
    ok(b.get(), "NOTIFY pool_chan, 'to a'");
    PGnotify* n = nullptr;
    for (int i = 0; i < 100 && !n; ++i) {
      PQconsumeInput(a.get());
      n = PQnotifies(a.get());
      if (!n) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_NE(n, nullptr);
    EXPECT_STREQ(n->extra, "to a");
    PQfreemem(n);
    ok(a.get(), "UNLISTEN pool_chan");
  }
}

// Protocol-level prepared statements, named and unnamed, across server
// connections: A prepares, B uses the only server connection in between
// (and prepares a different statement under the same name), A's statement
// still runs and describes the same.
TEST(PgStateLeak, ProtocolPreparedStatements) {
  for (const auto& mode : kModes) {
    SCOPED_TRACE("mode " + mode);
    ProxyProcess& p = proxy(mode);
    PgConn a = connect(p);
    PgResult r(PQprepare(a.get(), "s1", "SELECT $1::int + 1", 1, nullptr));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
    if (mode != "session") {
      PgConn b = connect(p);
      PgResult rb(PQprepare(b.get(), "s1", "SELECT 'b'::text", 0, nullptr));
      ASSERT_EQ(PQresultStatus(rb.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(rb.get());
      PgResult eb(PQexecPrepared(b.get(), "s1", 0, nullptr, nullptr, nullptr, 0));
      EXPECT_STREQ(PQgetvalue(eb.get(), 0, 0), "b");
    }
    const char* v[] = {"41"};
    PgResult e(PQexecPrepared(a.get(), "s1", 1, v, nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(e.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(e.get());
    EXPECT_STREQ(PQgetvalue(e.get(), 0, 0), "42");
    PgResult d(PQdescribePrepared(a.get(), "s1"));
    ASSERT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(d.get());
    EXPECT_EQ(PQnparams(d.get()), 1);
    EXPECT_EQ(PQparamtype(d.get(), 0), 23u);  // int4
    EXPECT_EQ(PQnfields(d.get()), 1);
    // Unnamed statement: parsed in one round trip, described and executed later.
    PgResult u(PQprepare(a.get(), "", "SELECT $1::text || 'x'", 1, nullptr));
    ASSERT_EQ(PQresultStatus(u.get()), PGRES_COMMAND_OK);
    if (mode != "session") {
      PgConn b = connect(p);
      EXPECT_EQ(pg_value(b.get(), "SELECT 1"), "1");
    }
    const char* w[] = {"y"};
    PgResult eu(PQexecPrepared(a.get(), "", 1, w, nullptr, nullptr, 0));
    ASSERT_EQ(PQresultStatus(eu.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(eu.get());
    EXPECT_STREQ(PQgetvalue(eu.get(), 0, 0), "yx");
    // A bad statement fails as on the server and leaves nothing behind.
    PgResult bad(PQprepare(a.get(), "s2", "SELEC 1", 0, nullptr));
    EXPECT_EQ(sqlstate(bad.get()), "42601");
    PgResult bad2(PQexecPrepared(a.get(), "s2", 0, nullptr, nullptr, nullptr, 0));
    EXPECT_EQ(sqlstate(bad2.get()), "26000") << PQresultErrorMessage(bad2.get());
  }
}

// Cancel under pooling: a CancelRequest reaches the server connection that
// runs the client's statement at that moment, and one sent while the
// client has no statement running cancels nothing — not even the statement
// another client now runs on the server connection it used before.
bool cancel(PGconn* c) {
  PGcancel* k = PQgetCancel(c);
  char err[256] = {};
  bool sent = k && PQcancel(k, err, sizeof err) == 1;
  PQfreeCancel(k);
  return sent;
}

TEST(PgPoolCancel, ReachesTheRunningStatement) {
  for (const auto& mode : {"transaction", "statement"}) {
    SCOPED_TRACE(mode);
    PgConn a = connect(proxy(mode));
    ASSERT_EQ(PQsendQuery(a.get(), "SELECT pg_sleep(30)"), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(cancel(a.get()));
    PgResult r(PQgetResult(a.get()));
    EXPECT_EQ(sqlstate(r.get()), "57014") << PQresultErrorMessage(r.get());
    while (PGresult* more = PQgetResult(a.get())) PQclear(more);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
    EXPECT_EQ(pg_value(a.get(), "SELECT 1"), "1");  // the session carries on
  }
}

TEST(PgPoolCancel, BetweenStatementsCancelsNothingElse) {
  for (const auto& mode : {"transaction", "statement"}) {
    SCOPED_TRACE(mode);
    ProxyProcess& p = proxy(mode);
    PgConn a = connect(p);
    EXPECT_EQ(pg_value(a.get(), "SELECT 1"), "1");  // A used the only server connection
    PgConn b = connect(p);
    ASSERT_EQ(PQsendQuery(b.get(), "SELECT pg_sleep(1.5), 'b done'"), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel(a.get());  // A is idle: whatever it sends must not reach B's statement
    PgResult r(PQgetResult(b.get()));
    EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
    while (PGresult* more = PQgetResult(b.get())) PQclear(more);
    EXPECT_EQ(pg_value(a.get(), "SELECT 2"), "2");
  }
}

}  // namespace
}  // namespace sw::test
