// The statement gate's denial path, with the proxy's worker pool, listener
// and PostgreSQL session handler running inside this test process behind a
// test gate that denies any statement containing DENYME. Real libpq client,
// real PostgreSQL server.
#include <libpq-fe.h>

#include <gtest/gtest.h>

#include "policy/gate.hpp"
#include "proxy/core/config.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/listener.hpp"
#include "proxy/net/worker_pool.hpp"
#include "proxy/pg/session_handler.hpp"
#include "tests/integration/pg_util.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

class MarkerGate final : public policy::StatementGate {
 public:
  policy::Decision check(const policy::SessionContext& session, std::string_view sql) override {
    ++checks;
    last_user = std::string(session.user);
    policy::Decision d;
    if (sql.find("DENYME") != std::string_view::npos) {
      d.allowed = false;
      d.rule = "test_marker";
      d.message = "statement denied by test gate: contains DENYME";
    }
    return d;
  }
  int checks = 0;
  std::string last_user;
};

// The proxy's PG listener inside this process, on one worker.
class InProcessProxy {
 public:
  explicit InProcessProxy(std::shared_ptr<policy::StatementGate> gate)
      : workers_(1), tracker_(100) {
    auto config = std::make_shared<Config>();
    TenantConfig tenant;
    tenant.name = "default";
    ListenerConfig l;
    l.listen = {"127.0.0.1", 0};
    l.backend = {servers().pg_host, servers().pg_port};
    tenant.postgres = l;
    config->tenants.push_back(tenant);
    for (const char* name : {"app", "reader"}) {
      UserConfig u;
      u.name = name;
      u.password = Secret(name);
      u.profile = std::string(name) == "app" ? "allow_all" : "read_only";
      config->users.push_back(u);
    }
    config_ = config;
    const TenantConfig& t = config_->tenants[0];
    auto handler = pg::make_session_handler(config_, t, *t.postgres, std::move(gate));
    auto listener = net::Listener::open(workers_.context(0), t.postgres->listen, handler, tracker_);
    EXPECT_TRUE(listener) << listener.error().message;
    listener_ = std::move(*listener);
    listener_->start();
    workers_.start();
  }
  ~InProcessProxy() {
    listener_->close();
    workers_.stop();
    workers_.join();
  }
  std::uint16_t port() const { return listener_->port(); }

 private:
  net::WorkerPool workers_;
  net::ConnectionTracker tracker_;
  ConfigPtr config_;
  std::unique_ptr<net::Listener> listener_;
};

class PgDenial : public ::testing::Test {
 protected:
  void SetUp() override {
    gate_ = std::make_shared<MarkerGate>();
    proxy_ = std::make_unique<InProcessProxy>(gate_);
    conn_ = pg_connect(proxy_->port(), "app", "exo_cluster");
    ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK) << PQerrorMessage(conn_.get());
    auto r = pg_exec(conn_.get(), "create temp table denial_t(x int)");
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r.get());
  }
  void TearDown() override {
    conn_.reset();
    proxy_.reset();
  }
  PGconn* c() { return conn_.get(); }
  void expect_denied(PGresult* r) {
    EXPECT_EQ(PQresultStatus(r), PGRES_FATAL_ERROR);
    EXPECT_EQ(sqlstate(r), "42501");
    EXPECT_STREQ(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY),
                 "statement denied by test gate: contains DENYME");
    EXPECT_STREQ(PQresultErrorField(r, PG_DIAG_SEVERITY), "ERROR");
  }

  std::shared_ptr<MarkerGate> gate_;
  std::unique_ptr<InProcessProxy> proxy_;
  PgConn conn_;
};

TEST_F(PgDenial, SimpleQueryOutsideTransaction) {
  auto r = pg_exec(c(), "select 'DENYME'");
  expect_denied(r.get());
  EXPECT_EQ(PQtransactionStatus(c()), PQTRANS_IDLE);
  EXPECT_EQ(pg_value(c(), "select 41 + 1"), "42");
  EXPECT_EQ(gate_->last_user, "app");
  // A multi-statement string is judged whole: nothing of it runs.
  r = pg_exec(c(), "insert into denial_t values (1); select 'DENYME'");
  expect_denied(r.get());
  EXPECT_EQ(pg_value(c(), "select count(*) from denial_t"), "0");
}

TEST_F(PgDenial, SimpleQueryInsideTransactionAbortsIt) {
  ASSERT_EQ(PQresultStatus(pg_exec(c(), "begin").get()), PGRES_COMMAND_OK);
  ASSERT_EQ(PQresultStatus(pg_exec(c(), "insert into denial_t values (1)").get()),
            PGRES_COMMAND_OK);
  auto r = pg_exec(c(), "delete from denial_t where 'DENYME' <> ''");
  expect_denied(r.get());
  EXPECT_EQ(PQtransactionStatus(c()), PQTRANS_INERROR);
  // Exactly as the server: further statements fail until the block ends ...
  r = pg_exec(c(), "select 1");
  EXPECT_EQ(sqlstate(r.get()), "25P02");
  // ... and COMMIT really rolls back.
  r = pg_exec(c(), "commit");
  EXPECT_STREQ(PQcmdStatus(r.get()), "ROLLBACK");
  EXPECT_EQ(PQtransactionStatus(c()), PQTRANS_IDLE);
  EXPECT_EQ(pg_value(c(), "select count(*) from denial_t"), "0");
}

TEST_F(PgDenial, ExtendedProtocolOutsideTransaction) {
  auto r = PgResult(PQprepare(c(), "s1", "select 'DENYME' || $1", 1, nullptr));
  expect_denied(r.get());
  EXPECT_EQ(PQtransactionStatus(c()), PQTRANS_IDLE);
  // The denied statement does not exist on the server.
  const char* v = "x";
  r = PgResult(PQexecPrepared(c(), "s1", 1, &v, nullptr, nullptr, 0));
  EXPECT_EQ(sqlstate(r.get()), "26000");
  // Parameterized statements still work.
  const char* one = "20";
  r = PgResult(PQexecParams(c(), "select $1::int + 22", 1, nullptr, &one, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQresultErrorMessage(r.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "42");
  // And a named prepared statement that is allowed works.
  r = PgResult(PQprepare(c(), "s2", "select $1::int * 2", 1, nullptr));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  r = PgResult(PQexecPrepared(c(), "s2", 1, &one, nullptr, nullptr, 0));
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "40");
}

TEST_F(PgDenial, ExtendedProtocolInsideTransactionAbortsIt) {
  ASSERT_EQ(PQresultStatus(pg_exec(c(), "begin").get()), PGRES_COMMAND_OK);
  ASSERT_EQ(PQresultStatus(pg_exec(c(), "insert into denial_t values (7)").get()),
            PGRES_COMMAND_OK);
  const char* v = "1";
  auto r =
      PgResult(PQexecParams(c(), "select 'DENYME', $1::int", 1, nullptr, &v, nullptr, nullptr, 0));
  expect_denied(r.get());
  EXPECT_EQ(PQtransactionStatus(c()), PQTRANS_INERROR);
  r = pg_exec(c(), "commit");
  EXPECT_STREQ(PQcmdStatus(r.get()), "ROLLBACK");
  EXPECT_EQ(pg_value(c(), "select count(*) from denial_t"), "0");
}

TEST_F(PgDenial, PipelineDiscardsUntilSync) {
  ASSERT_EQ(PQenterPipelineMode(c()), 1);
  ASSERT_EQ(PQsendQueryParams(c(), "insert into denial_t values (1)", 0, nullptr, nullptr, nullptr,
                              nullptr, 0),
            1);
  ASSERT_EQ(PQsendQueryParams(c(), "select 'DENYME'", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQsendQueryParams(c(), "insert into denial_t values (2)", 0, nullptr, nullptr, nullptr,
                              nullptr, 0),
            1);
  ASSERT_EQ(PQpipelineSync(c()), 1);
  ASSERT_EQ(PQsendQueryParams(c(), "select 5", 0, nullptr, nullptr, nullptr, nullptr, 0), 1);
  ASSERT_EQ(PQpipelineSync(c()), 1);

  auto next = [&] { return PgResult(PQgetResult(c())); };
  auto r = next();
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK);
  EXPECT_EQ(next(), nullptr);
  r = next();
  expect_denied(r.get());
  EXPECT_EQ(next(), nullptr);
  r = next();
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_PIPELINE_ABORTED);
  EXPECT_EQ(next(), nullptr);
  r = next();
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_PIPELINE_SYNC);
  r = next();
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "5");
  EXPECT_EQ(next(), nullptr);
  r = next();
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_PIPELINE_SYNC);
  ASSERT_EQ(PQexitPipelineMode(c()), 1);
  // The implicit transaction of the failed batch rolled back, the insert included.
  EXPECT_EQ(pg_value(c(), "select count(*) from denial_t"), "0");
}

TEST_F(PgDenial, FunctionCallDeniedForRestrictedProfile) {
  auto reader = pg_connect(proxy_->port(), "reader", "exo_cluster");
  ASSERT_EQ(PQstatus(reader.get()), CONNECTION_OK) << PQerrorMessage(reader.get());
  // lo_creat is a FunctionCall message under the hood.
  pg_exec(reader.get(), "begin");
  Oid oid = lo_creat(reader.get(), 0x20000 | 0x40000);
  EXPECT_EQ(oid, 0u);
  EXPECT_NE(std::string(PQerrorMessage(reader.get())).find("FunctionCall messages are not allowed"),
            std::string::npos)
      << PQerrorMessage(reader.get());
  EXPECT_EQ(PQtransactionStatus(reader.get()), PQTRANS_INERROR);
  pg_exec(reader.get(), "rollback");
  EXPECT_EQ(pg_value(reader.get(), "select 1"), "1");
}

TEST_F(PgDenial, StartupParametersLimitedUnderRestrictedProfiles) {
  // allow_all may set anything at startup ...
  auto app = pg_connect(proxy_->port(), "app", "exo_cluster", "options='-c work_mem=8MB'");
  ASSERT_EQ(PQstatus(app.get()), CONNECTION_OK) << PQerrorMessage(app.get());
  EXPECT_EQ(pg_value(app.get(), "show work_mem"), "8MB");
  // ... a restricted profile only harmless client settings: startup
  // parameters are SET statements in disguise.
  auto opts = pg_connect(proxy_->port(), "reader", "exo_cluster", "options='-c work_mem=8MB'");
  EXPECT_EQ(PQstatus(opts.get()), CONNECTION_BAD);
  EXPECT_NE(
      std::string(PQerrorMessage(opts.get())).find("startup parameter \"options\" is not allowed"),
      std::string::npos)
      << PQerrorMessage(opts.get());
  // Encodings where a quote byte can end a multibyte character are refused.
  auto sjis = pg_connect(proxy_->port(), "reader", "exo_cluster", "client_encoding=SJIS");
  EXPECT_EQ(PQstatus(sjis.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(sjis.get())).find("client_encoding \"SJIS\""),
            std::string::npos)
      << PQerrorMessage(sjis.get());
  auto ok = pg_connect(proxy_->port(), "reader", "exo_cluster",
                       "client_encoding=LATIN1 application_name=r1");
  ASSERT_EQ(PQstatus(ok.get()), CONNECTION_OK) << PQerrorMessage(ok.get());
  EXPECT_EQ(pg_value(ok.get(), "show client_encoding"), "LATIN1");
}

}  // namespace
}  // namespace sw::test
