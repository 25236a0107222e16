// LISTEN/NOTIFY under transaction pooling (issue 12): the proxy answers
// LISTEN/UNLISTEN, one listening server connection per pool fans
// notifications out. Acceptance 1 (1,000 listeners through a pool of 20),
// 2 (transaction semantics, UNLISTEN *, cleanup seen on the listening
// connection's pg_listening_channels()), 3 (psql; node-postgres is in
// pg_node_test) and 4 (the listening connection killed and re-established).
#include <libpq-fe.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/pg_util.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A fresh database with seed 002's schema and its notify_vm_changes trigger,
// so pg_stat_activity counts only this test's pool.
std::string lablink_copy(const std::string& stem) {
  std::string db = stem + "_" + std::to_string(::getpid());
  {
    PgConn c = app_backend("exo_cluster");
    pg_exec(c.get(), "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    PgResult r = pg_exec(c.get(), "CREATE DATABASE " + db);
    EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  }
  std::ifstream in(source_dir() + "/config/samples/lablink_db.pg.sql");
  std::stringstream sql;
  sql << in.rdbuf();
  PgConn c = app_backend(db);
  PgResult r = pg_exec(c.get(), sql.str());
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  return db;
}

void drop_database(const std::string& db) {
  PgConn c = app_backend("exo_cluster");
  pg_exec(c.get(), "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
}

void ok(PGconn* c, const std::string& sql) {
  PgResult r = pg_exec(c, sql);
  auto st = PQresultStatus(r.get());
  EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
      << sql << ": " << PQresultErrorMessage(r.get());
}

struct Note {
  std::string channel;
  std::string payload;
  int pid = 0;
};

// The next notification on `c`, waiting up to `ms`.
std::optional<Note> next_note(PGconn* c, int ms = 5000) {
  auto deadline = Clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    PQconsumeInput(c);
    if (PGnotify* n = PQnotifies(c)) {
      Note out{n->relname, n->extra, n->be_pid};
      PQfreemem(n);
      return out;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    pollfd p{PQsocket(c), POLLIN, 0};
    ::poll(&p, 1, 50);
  }
}

// Everything `c` receives up to and including the notification on `marker`
// (sent after what is being checked: one listening connection delivers in
// commit order, so anything earlier has arrived by then).
std::vector<Note> notes_until(PGconn* c, const std::string& marker) {
  std::vector<Note> out;
  while (auto n = next_note(c)) {
    if (n->channel == marker) return out;
    out.push_back(*n);
  }
  ADD_FAILURE() << "marker notification on " << marker << " never arrived";
  return out;
}

json listen_stats(const ProxyProcess& p) {
  auto r = http_request(p.admin_port(), "GET", "/api/v1/listen");
  if (r.status != 200) {
    ADD_FAILURE() << r.raw;
    return json::object();
  }
  json j = json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("listen") || j["listen"].empty()) return json::object();
  return j["listen"][0];
}

// Waits until the admin view satisfies `pred` (the listening connection
// changes asynchronously).
template <class Pred>
json wait_stats(const ProxyProcess& p, Pred pred, int ms = 10000) {
  auto deadline = Clock::now() + std::chrono::milliseconds(ms);
  json s;
  while (Clock::now() < deadline) {
    s = listen_stats(p);
    if (!s.empty() && pred(s)) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "admin view never matched; last: " << s.dump();
  return s;
}

std::vector<std::string> backend_channels(const json& s) {
  std::vector<std::string> out;
  if (s.contains("backend_channels"))
    for (const auto& c : s["backend_channels"]) out.push_back(c.get<std::string>());
  return out;
}

ProxyOptions pooled(const std::string& db_note, unsigned size = 20) {
  (void)db_note;
  ProxyOptions o;
  o.admin_toml = "allow_loopback_without_token = true";
  o.extra_toml = fmt::format("[pool]\nmode = \"transaction\"\nsize = {}\n", size);
  o.pg_tenant_toml = "auth_method = \"trust\"";
  return o;
}

// Acceptance 2 and the semantics around it.
TEST(PgListen, TransactionSemanticsAndCleanup) {
  std::string db = lablink_copy("listen_sem");
  ProxyProcess proxy("pg_listen_sem", pooled(db, 4));
  PgConn l = pg_connect(proxy.pg_port(), "app", db);
  PgConn w = pg_connect(proxy.pg_port(), "app", db);
  PgConn keeper = pg_connect(proxy.pg_port(), "app", db);
  ASSERT_EQ(PQstatus(l.get()), CONNECTION_OK) << PQerrorMessage(l.get());
  ASSERT_EQ(PQstatus(w.get()), CONNECTION_OK);
  ASSERT_EQ(PQstatus(keeper.get()), CONNECTION_OK);
  ok(keeper.get(), "LISTEN keep");  // keeps the listening connection alive throughout
  ok(l.get(), "LISTEN marker");

  // The proxy answers as PostgreSQL does.
  PgResult r = pg_exec(l.get(), "BEGIN");
  r = pg_exec(l.get(), "LISTEN c");
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  EXPECT_STREQ(PQcmdStatus(r.get()), "LISTEN");
  EXPECT_EQ(PQtransactionStatus(l.get()), PQTRANS_INTRANS);
  r = pg_exec(l.get(), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(l.get()), PQTRANS_IDLE);
  ok(w.get(), "NOTIFY c, 'after rollback'");
  ok(w.get(), "NOTIFY marker");
  EXPECT_TRUE(notes_until(l.get(), "marker").empty()) << "ROLLBACK must undo LISTEN";

  ok(l.get(), "BEGIN");
  ok(l.get(), "LISTEN c");
  ok(l.get(), "COMMIT");
  // The sender's process id is the pooled backend's, as PostgreSQL reports it.
  std::string sender = pg_value(w.get(), "SELECT pg_backend_pid() FROM pg_notify('c', 'one')");
  ok(w.get(), "NOTIFY marker");
  auto got = notes_until(l.get(), "marker");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].channel, "c");
  EXPECT_EQ(got[0].payload, "one");
  EXPECT_EQ(std::to_string(got[0].pid), sender);

  // A failed transaction: its LISTEN never happens (25P02 as on the server).
  ok(l.get(), "BEGIN");
  pg_exec(l.get(), "SELECT 1/0");
  r = pg_exec(l.get(), "LISTEN d");
  EXPECT_EQ(sqlstate(r.get()), "25P02") << PQresultErrorMessage(r.get());
  ok(l.get(), "ROLLBACK");
  // Savepoints: ROLLBACK TO forgets the LISTENs after it, RELEASE keeps them.
  ok(l.get(), "BEGIN");
  ok(l.get(), "SAVEPOINT s1");
  ok(l.get(), "LISTEN d");
  ok(l.get(), "ROLLBACK TO SAVEPOINT s1");
  ok(l.get(), "SAVEPOINT s2");
  ok(l.get(), "LISTEN \"Mixed Case\"");
  ok(l.get(), "RELEASE s2");
  ok(l.get(), "LISTEN UPPER");  // unquoted: folded to lower case
  ok(l.get(), "COMMIT");
  ok(w.get(), "NOTIFY d, 'never'");
  ok(w.get(), "NOTIFY \"Mixed Case\", 'quoted'");
  ok(w.get(), "SELECT pg_notify('upper', 'folded')");
  ok(w.get(), "NOTIFY marker");
  got = notes_until(l.get(), "marker");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].channel, "Mixed Case");
  EXPECT_EQ(got[1].payload, "folded");

  // The client's own NOTIFY reaches itself, with an 8000-byte payload.
  std::string big(7999, 'x');
  ok(l.get(), "NOTIFY c, '" + big + "'");
  ok(l.get(), "NOTIFY marker");
  got = notes_until(l.get(), "marker");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload, big);

  // What the listening connection itself listens on.
  auto s = wait_stats(proxy, [](const json& j) { return backend_channels(j).size() == 5; });
  EXPECT_EQ(backend_channels(s),
            (std::vector<std::string>{"Mixed Case", "c", "keep", "marker", "upper"}));
  EXPECT_EQ(s.value("subscribers", 0), 2);
  // It is named in pg_stat_activity, and it is one of the pool's 4.
  PgConn direct = app_backend(db);
  EXPECT_EQ(pg_value(direct.get(),
                     "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND application_name = 'sqlwarden listen'"),
            "1");

  // UNLISTEN * stops everything; DISCARD ALL too.
  ok(l.get(), "UNLISTEN *");
  ok(l.get(), "LISTEN marker");
  ok(w.get(), "NOTIFY c, 'stopped'");
  ok(w.get(), "NOTIFY marker");
  EXPECT_TRUE(notes_until(l.get(), "marker").empty());
  ok(l.get(), "LISTEN c");
  ok(l.get(), "DISCARD ALL");
  ok(l.get(), "LISTEN marker");
  ok(w.get(), "NOTIFY c, 'discarded'");
  ok(w.get(), "NOTIFY marker");
  EXPECT_TRUE(notes_until(l.get(), "marker").empty());

  // Disconnect: its channels go from the listening connection.
  ok(l.get(), "LISTEN gone_with_client");
  wait_stats(proxy, [](const json& j) {
    auto c = backend_channels(j);
    return std::find(c.begin(), c.end(), "gone_with_client") != c.end();
  });
  l.reset();
  s = wait_stats(
      proxy, [](const json& j) { return backend_channels(j) == std::vector<std::string>{"keep"}; });
  EXPECT_EQ(s.value("subscribers", 0), 1);
  EXPECT_EQ(s.value("channels", 0), 1);
  EXPECT_GE(s.value("relayed", 0), 4);

  // Restricted profiles: still denied.
  for (const char* user : {"exo_ai", "reader"}) {
    PgConn x = pg_connect(proxy.pg_port(), user, db);
    ASSERT_EQ(PQstatus(x.get()), CONNECTION_OK) << PQerrorMessage(x.get());
    for (const char* sql : {"LISTEN c", "UNLISTEN *", "NOTIFY c"}) {
      PgResult d = pg_exec(x.get(), sql);
      EXPECT_EQ(sqlstate(d.get()), "42501") << user << ": " << sql;
    }
  }
  keeper.reset();
  w.reset();
  direct.reset();
  proxy.terminate();
  drop_database(db);
}

// Acceptance 4: the listening connection is terminated; it comes back,
// re-LISTENs, and notifications sent afterwards are delivered.
TEST(PgListen, ListeningConnectionKilledComesBack) {
  std::string db = lablink_copy("listen_kill");
  ProxyProcess proxy("pg_listen_kill", pooled(db, 4));
  PgConn l = pg_connect(proxy.pg_port(), "app", db);
  PgConn w = pg_connect(proxy.pg_port(), "app", db);
  ASSERT_EQ(PQstatus(l.get()), CONNECTION_OK);
  ok(l.get(), "LISTEN vm_updates");
  auto s = wait_stats(proxy, [](const json& j) { return j.value("backend_pid", 0) != 0; });
  int pid = s.value("backend_pid", 0);
  PgConn direct = app_backend(db);
  EXPECT_EQ(pg_value(direct.get(), "SELECT pg_terminate_backend(" + std::to_string(pid) + ")"),
            "t");
  s = wait_stats(proxy, [pid](const json& j) {
    return j.value("reconnects", 0) >= 1 && j.value("connected", false) &&
           j.value("backend_pid", pid) != pid && !backend_channels(j).empty();
  });
  EXPECT_EQ(backend_channels(s), std::vector<std::string>{"vm_updates"});
  ok(w.get(), "UPDATE vms SET status = 'after-kill' WHERE hostname = 'i-0abc123def457'");
  auto n = next_note(l.get());
  ASSERT_TRUE(n);
  EXPECT_NE(n->payload.find("\"status\":\"after-kill\""), std::string::npos) << n->payload;
  EXPECT_NE(proxy.log().find("re-established after"), std::string::npos);
  // The client itself was never disturbed.
  EXPECT_EQ(pg_value(l.get(), "SELECT 1"), "1");
  l.reset();
  w.reset();
  direct.reset();
  proxy.terminate();
  drop_database(db);
}

// A client that never reads is closed once its queue overflows; others go on.
TEST(PgListen, SlowConsumerIsClosed) {
  std::string db = lablink_copy("listen_slow");
  ProxyOptions o = pooled(db, 4);
  o.extra_toml += "listen_queue_size = 5\n";
  ProxyProcess proxy("pg_listen_slow", o);
  PgConn slow = pg_connect(proxy.pg_port(), "app", db);
  PgConn fine = pg_connect(proxy.pg_port(), "app", db);
  PgConn w = pg_connect(proxy.pg_port(), "app", db);
  ok(slow.get(), "LISTEN q");
  ok(fine.get(), "LISTEN q");
  ok(slow.get(), "BEGIN");  // inside a transaction: nothing is delivered to it
  for (int i = 0; i < 8; ++i) ok(w.get(), "NOTIFY q, '" + std::to_string(i) + "'");
  for (int i = 0; i < 8; ++i) {
    auto n = next_note(fine.get());
    ASSERT_TRUE(n);
    EXPECT_EQ(n->payload, std::to_string(i));
  }
  // The FATAL arrives while the client is idle in its transaction: libpq
  // reports it as a notice, or with the next command.
  std::string notices;
  PQsetNoticeProcessor(
      slow.get(), [](void* out, const char* m) { *static_cast<std::string*>(out) += m; }, &notices);
  auto s = wait_stats(proxy, [](const json& j) { return j.value("overflow_closes", 0) == 1; });
  EXPECT_GE(s.value("dropped", 0), 6);
  PgResult r = pg_exec(slow.get(), "SELECT 1");
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  std::string said = notices + PQerrorMessage(slow.get());
  EXPECT_NE(said.find("listen_queue_size"), std::string::npos) << said;
  EXPECT_NE(proxy.log().find("listen_queue_size"), std::string::npos);
  proxy.terminate();
  drop_database(db);
}

// Acceptance 3 (psql): asynchronous notification display through the proxy.
TEST(PgListen, PsqlShowsAsynchronousNotifications) {
  std::string db = lablink_copy("listen_psql");
  ProxyProcess proxy("pg_listen_psql", pooled(db, 4));
  auto r = run_command(psql_cmd(proxy.pg_port(), "app", db,
                                "-c 'LISTEN vm_updates' -c \"NOTIFY vm_updates, 'hello psql'\" "
                                "-c 'SELECT pg_sleep(0.5)' 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Asynchronous notification \"vm_updates\" with payload \"hello psql\" "
                          "received from server process with PID"),
            std::string::npos)
      << r.output;
  proxy.terminate();
  drop_database(db);
}

// Acceptance 1: 1,000 listeners through a transaction pool of 20; 200
// UPDATEs on vms from other clients; every listener gets all 200 JSON
// payloads in the same order, exactly once; the backend never sees more than
// 20 connections of the pool plus the listening one.
TEST(PgListen, ThousandListenersPoolOfTwenty) {
  raise_fd_limit();
  constexpr int kListeners = 1000;
  constexpr int kWriters = 4;
  constexpr int kUpdates = 200;
  std::string db = lablink_copy("listen_1000");
  ProxyProcess proxy("pg_listen_1000", pooled(db, 20));

  std::atomic<bool> stop{false};
  std::atomic<int> peak{0};
  std::thread sampler([&] {
    PgConn c = app_backend("exo_cluster");
    while (!stop) {
      std::string v = pg_value(c.get(), "SELECT count(*) FROM pg_stat_activity WHERE datname = '" +
                                            db + "' AND backend_type = 'client backend'");
      if (v.rfind("ERROR", 0) != 0) peak = std::max(peak.load(), std::stoi(v));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  auto t0 = Clock::now();
  std::vector<PgConn> listeners;
  listeners.reserve(kListeners);
  for (int i = 0; i < kListeners; ++i) {
    listeners.push_back(pg_connect(proxy.pg_port(), "app", db));
    ASSERT_EQ(PQstatus(listeners.back().get()), CONNECTION_OK)
        << i << ": " << PQerrorMessage(listeners.back().get());
    // Half quoted, half not: the same channel.
    PgResult r =
        pg_exec(listeners.back().get(), i % 2 ? "LISTEN vm_updates" : "LISTEN \"vm_updates\"");
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
    PQsetnonblocking(listeners.back().get(), 1);
  }
  auto t_listen = Clock::now();

  std::vector<std::thread> writers;
  for (int wi = 0; wi < kWriters; ++wi) {
    writers.emplace_back([&, wi] {
      PgConn w = pg_connect(proxy.pg_port(), "app", db);
      for (int k = 0; k < kUpdates / kWriters; ++k) {
        PgResult r = pg_exec(w.get(), fmt::format("UPDATE vms SET email = 'w{}-{}@test' WHERE "
                                                  "hostname = 'i-0abc123def45{}'",
                                                  wi, k, 6 + wi));
        EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
      }
    });
  }

  // Collect on every socket until all have 200 or the deadline passes.
  std::vector<std::vector<std::string>> got(kListeners);
  std::vector<pollfd> fds(kListeners);
  int complete = 0;
  auto deadline = Clock::now() + std::chrono::seconds(90);
  while (complete < kListeners && Clock::now() < deadline) {
    for (int i = 0; i < kListeners; ++i) fds[i] = {PQsocket(listeners[i].get()), POLLIN, 0};
    ::poll(fds.data(), fds.size(), 100);
    for (int i = 0; i < kListeners; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      PGconn* c = listeners[i].get();
      PQconsumeInput(c);
      bool was = got[i].size() >= kUpdates;
      while (PGnotify* n = PQnotifies(c)) {
        got[i].emplace_back(n->extra);
        PQfreemem(n);
      }
      if (!was && got[i].size() >= kUpdates) ++complete;
    }
  }
  for (auto& t : writers) t.join();
  auto t_done = Clock::now();
  // Anything extra would arrive now.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int i = 0; i < kListeners; ++i) {
    PQconsumeInput(listeners[i].get());
    while (PGnotify* n = PQnotifies(listeners[i].get())) {
      got[i].emplace_back(n->extra);
      PQfreemem(n);
    }
  }
  stop = true;
  sampler.join();

  ASSERT_EQ(got[0].size(), static_cast<std::size_t>(kUpdates));
  // Exactly once: 200 distinct payloads, each a JSON row of vms; per writer
  // in the order that writer committed.
  std::map<std::string, int> seen;
  std::vector<int> last(kWriters, -1);
  for (const auto& p : got[0]) {
    ++seen[p];
    json row = json::parse(p, nullptr, false);
    ASSERT_FALSE(row.is_discarded()) << p;
    std::string email = row["email"];
    int wi = email[1] - '0';
    int k = std::stoi(email.substr(3, email.find('@') - 3));
    EXPECT_EQ(k, last[wi] + 1) << p;
    last[wi] = k;
  }
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kUpdates));
  int same = 0;
  for (int i = 0; i < kListeners; ++i) same += got[i] == got[0];
  EXPECT_EQ(same, kListeners) << "every listener must get the same 200 payloads in order";
  EXPECT_LE(peak.load(), 21) << "backend saw more than pool size + the listening connection";
  auto s = listen_stats(proxy);
  EXPECT_EQ(s.value("subscribers", 0), kListeners);
  EXPECT_EQ(s.value("dropped", -1), 0);
  std::printf(
      "1000 listeners, pool 20: LISTEN of all in %.1f s; 200 updates delivered to all in %.1f s; "
      "%d/%d listeners got all 200 in order; backend peak %d connections; relayed %s\n",
      std::chrono::duration<double>(t_listen - t0).count(),
      std::chrono::duration<double>(t_done - t_listen).count(), same, kListeners, peak.load(),
      s["relayed"].dump().c_str());
  listeners.clear();
  proxy.terminate();
  drop_database(db);
}

}  // namespace
}  // namespace sw::test
