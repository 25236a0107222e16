// A real sqlwarden process between real PostgreSQL clients (psql, pgbench,
// libpq) and the fixture's PostgreSQL 15: startup, proxy-side
// authentication, the relay, limits and hostile input.
#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <thread>

#include <gtest/gtest.h>

#include "proxy/pg/auth/crypto.hpp"
#include "proxy/pg/auth/scram.hpp"
#include "tests/integration/pg_util.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

// Everything the peer sends until it closes (or 5 s pass).
std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

ProxyOptions server_options(const std::string& server_toml) {
  ProxyOptions o;
  o.extra_server_toml = server_toml;
  return o;
}

TEST(PgSession, PsqlInteractiveScript) {
  ProxyProcess proxy("pg_psql");
  std::string dir = proxy.dir();
  {
    std::ofstream csv(dir + "/in.csv");
    for (int i = 1; i <= 500; ++i) csv << i << ",name " << i << "\n";
  }
  std::string table = "psql_t_" + std::to_string(::getpid());
  std::ofstream(dir + "/script.sql") << fmt::format(R"(
drop table if exists {0};
create table {0} (id int primary key, name text);
\d {0}
\copy {0} from '{1}/in.csv' csv
select count(*) as loaded from {0};
\copy (select * from {0} order by id) to '{1}/out.csv' csv
begin;
insert into {0} values (1000, 'in tx');
select 1/0;
select 'after error';
rollback;
select count(*) as after_rollback from {0} where id = 1000;
select 'multi' as a; select 'statement' as b;
drop table {0};
)",
                                                    table, dir);
  auto r = run_command(psql_cmd(proxy.pg_port(), "app", "exo_cluster",
                                "-v ON_ERROR_STOP=0 -f " + dir + "/script.sql"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string& o = r.output;
  EXPECT_NE(o.find("Table \"public." + table + "\""), std::string::npos) << o;
  EXPECT_NE(o.find("COPY 500"), std::string::npos) << o;
  EXPECT_NE(o.find(" loaded \n--------\n    500"), std::string::npos) << o;
  EXPECT_NE(o.find("division by zero"), std::string::npos) << o;
  EXPECT_NE(o.find("current transaction is aborted"), std::string::npos) << o;
  EXPECT_NE(o.find("ROLLBACK"), std::string::npos) << o;
  EXPECT_NE(o.find(" after_rollback \n----------------\n              0"), std::string::npos) << o;
  EXPECT_NE(o.find("statement"), std::string::npos) << o;
  std::ifstream out(dir + "/out.csv");
  std::string line;
  int lines = 0;
  std::string last;
  while (std::getline(out, line)) {
    ++lines;
    last = line;
  }
  EXPECT_EQ(lines, 500);
  EXPECT_EQ(last, "500,name 500");
}

TEST(PgSession, AuthenticationScramMd5AndWrongPassword) {
  ProxyProcess scram("pg_auth_scram");
  auto ok = pg_connect(scram.pg_port(), "reader", "exo_cluster");
  EXPECT_EQ(PQstatus(ok.get()), CONNECTION_OK) << PQerrorMessage(ok.get());
  EXPECT_EQ(pg_value(ok.get(), "select current_user"), "reader");
  auto bad = PgConn(
      PQconnectdb(fmt::format("host=127.0.0.1 port={} user=app password=nope dbname=exo_cluster",
                              scram.pg_port())
                      .c_str()));
  EXPECT_EQ(PQstatus(bad.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(bad.get()))
                .find("FATAL:  password authentication failed for user \"app\""),
            std::string::npos)
      << PQerrorMessage(bad.get());
  // Unknown users get the very same answer.
  auto ghost = pg_connect(scram.pg_port(), "ghost", "exo_cluster");
  EXPECT_NE(std::string(PQerrorMessage(ghost.get()))
                .find("password authentication failed for user \"ghost\""),
            std::string::npos);

  // md5, and a user stored as a SCRAM verifier (with a separate backend password).
  std::string verifier =
      pg::auth::ScramVerifier::from_password("s3cret", pg::auth::random_bytes(16)).to_string();
  ProxyOptions md5_opts;
  md5_opts.pg_tenant_toml = "auth_method = \"md5\"\n";
  md5_opts.extra_toml = fmt::format(
      "[[users]]\nname = \"vuser\"\npassword = \"{}\"\nbackend_user = \"app\"\n"
      "backend_password = \"app\"\n",
      verifier);
  ProxyProcess md5("pg_auth_md5", md5_opts);
  auto m = pg_connect(md5.pg_port(), "app", "exo_cluster");
  EXPECT_EQ(PQstatus(m.get()), CONNECTION_OK) << PQerrorMessage(m.get());
  auto mbad = PgConn(PQconnectdb(
      fmt::format("host=127.0.0.1 port={} user=app password=nope dbname=exo_cluster", md5.pg_port())
          .c_str()));
  EXPECT_NE(std::string(PQerrorMessage(mbad.get()))
                .find("password authentication failed for user \"app\""),
            std::string::npos);
  auto v = PgConn(PQconnectdb(
      fmt::format("host=127.0.0.1 port={} user=vuser password=s3cret dbname=exo_cluster",
                  md5.pg_port())
          .c_str()));
  EXPECT_EQ(PQstatus(v.get()), CONNECTION_OK) << PQerrorMessage(v.get());
  EXPECT_EQ(pg_value(v.get(), "select current_user"), "app");
}

TEST(PgSession, ApplicationNameAndBackendErrorsReachClient) {
  ProxyProcess proxy("pg_params");
  auto c = pg_connect(proxy.pg_port(), "app", "exo_cluster", "application_name=swtest");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
  EXPECT_EQ(pg_value(c.get(), "show application_name"), "swtest");
  EXPECT_NE(PQparameterStatus(c.get(), "server_version"), nullptr);
  EXPECT_NE(PQbackendPID(c.get()), 0);
  auto nodb = pg_connect(proxy.pg_port(), "app", "no_such_db");
  EXPECT_NE(std::string(PQerrorMessage(nodb.get())).find("database \"no_such_db\" does not exist"),
            std::string::npos)
      << PQerrorMessage(nodb.get());
  auto repl = pg_connect(proxy.pg_port(), "app", "exo_cluster", "replication=database");
  EXPECT_NE(
      std::string(PQerrorMessage(repl.get())).find("replication connections are not supported"),
      std::string::npos)
      << PQerrorMessage(repl.get());
}

TEST(PgSession, PgbenchThreeModesZeroFailures) {
  ProxyProcess proxy("pg_pgbench");
  auto admin = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  pg_exec(admin.get(), "drop database if exists sw_pgbench");
  auto r0 = pg_exec(admin.get(), "create database sw_pgbench");
  ASSERT_EQ(PQresultStatus(r0.get()), PGRES_COMMAND_OK) << PQresultErrorMessage(r0.get());
  auto env = fmt::format("PGPASSWORD=app PGHOST=127.0.0.1 PGPORT={} PGUSER=app ", proxy.pg_port());
  auto init = run_command(env + "pgbench -i -s 1 -q sw_pgbench 2>&1");
  ASSERT_EQ(init.exit_code, 0) << init.output;
  // -T 10 for simple (the acceptance figure), 5 s for the other two to keep CI short.
  for (auto [mode, seconds] : {std::pair{"simple", 10}, {"extended", 5}, {"prepared", 5}}) {
    auto r = run_command(
        env + fmt::format("pgbench -c 8 -j 2 -T {} -M {} sw_pgbench 2>&1", seconds, mode));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::smatch m;
    std::regex processed("number of transactions actually processed: (\\d+)");
    ASSERT_TRUE(std::regex_search(r.output, m, processed)) << r.output;
    std::string transactions = m[1].str();
    EXPECT_GT(std::stoi(transactions), 100) << r.output;
    EXPECT_NE(r.output.find("number of failed transactions: 0 "), std::string::npos) << r.output;
    std::regex tps("tps = ([0-9.]+)");
    if (std::regex_search(r.output, m, tps))
      std::printf("pgbench -M %s -c 8 -T %d: %s tps, %s transactions, 0 failed\n", mode, seconds,
                  m[1].str().c_str(), transactions.c_str());
  }
  pg_exec(admin.get(), "drop database sw_pgbench");
}

TEST(PgSession, BadInputGets08P01AndClose) {
  ProxyProcess proxy("pg_bad", server_options("max_message_bytes = 65536\n"));
  // Startup length below 8, or a startup packet over 10 kB: closed without
  // an answer, as PostgreSQL does (pg_startup_test compares with direct).
  int fd = raw_connect(proxy.pg_port());
  ASSERT_GE(fd, 0);
  ::send(fd, "\x00\x00\x00\x04", 4, 0);
  std::string reply = read_all(fd);
  ::close(fd);
  EXPECT_EQ(reply, "");
  fd = raw_connect(proxy.pg_port());
  ::send(fd, "\x00\x01\x00\x00", 4, 0);
  reply = read_all(fd);
  ::close(fd);
  EXPECT_EQ(reply, "");
  // Unsupported protocol version.
  fd = raw_connect(proxy.pg_port());
  ::send(fd, "\x00\x00\x00\x08\x00\x02\x00\x00", 8, 0);
  reply = read_all(fd);
  ::close(fd);
  EXPECT_NE(reply.find("0A000"), std::string::npos);

  // After login, over a connection that libpq authenticated: unknown type,
  // length < 4, message over max_message_bytes.
  auto login_then_send = [&](const std::string& bytes) {
    PgConn c = pg_connect(proxy.pg_port(), "app", "exo_cluster");
    EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK);
    int s = PQsocket(c.get());
    ::fcntl(s, F_SETFL, ::fcntl(s, F_GETFL) & ~O_NONBLOCK);  // libpq left it non-blocking
    ::send(s, bytes.data(), bytes.size(), 0);
    timeval tv{5, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return read_all(s);
  };
  EXPECT_NE(
      login_then_send(std::string("\x01\x00\x00\x00\x04", 5)).find("invalid frontend message type"),
      std::string::npos);
  EXPECT_NE(login_then_send(std::string("Q\x00\x00\x00\x02", 5)).find("invalid message length"),
            std::string::npos);
  EXPECT_NE(login_then_send(std::string("Q\x00\x10\x00\x00", 5)).find("exceeds max_message_bytes"),
            std::string::npos);
  // Wrong phase: a password message after login.
  EXPECT_NE(login_then_send(std::string("p\x00\x00\x00\x05\x00", 6)).find("08P01"),
            std::string::npos);
  // The proxy is still healthy.
  auto c = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  EXPECT_EQ(pg_value(c.get(), "select 1"), "1");
  EXPECT_TRUE(proxy.running());
}

TEST(PgSession, MaxClientsAuthTimeoutIdleTimeout) {
  ProxyProcess proxy("pg_limits", server_options("max_client_connections = 2\n"
                                                 "client_auth_timeout_ms = 2000\n"
                                                 "client_idle_timeout_seconds = 1\n"));
  auto a = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  auto b = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(a.get()), CONNECTION_OK) << PQerrorMessage(a.get());
  ASSERT_EQ(PQstatus(b.get()), CONNECTION_OK) << PQerrorMessage(b.get());
  auto c = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  EXPECT_EQ(PQstatus(c.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(c.get())).find("sorry, too many clients already"),
            std::string::npos)
      << PQerrorMessage(c.get());
  a.reset();
  b.reset();
  c.reset();

  // A client that never finishes its startup is closed after the auth timeout.
  int fd = raw_connect(proxy.pg_port());
  auto t0 = std::chrono::steady_clock::now();
  ::send(fd, "\x00\x00", 2, 0);
  read_all(fd);
  ::close(fd);
  auto stalled = std::chrono::steady_clock::now() - t0;
  EXPECT_GT(stalled, std::chrono::milliseconds(1500));
  EXPECT_LT(stalled, std::chrono::seconds(5));

  // An idle client is closed after client_idle_timeout, with 57P05; a long
  // query is not idleness.
  auto idle = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  ASSERT_EQ(PQstatus(idle.get()), CONNECTION_OK) << PQerrorMessage(idle.get());
  EXPECT_EQ(pg_value(idle.get(), "select pg_sleep(1.6)::text"), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  auto r = pg_exec(idle.get(), "select 1");
  EXPECT_NE(PQresultStatus(r.get()), PGRES_TUPLES_OK);
  EXPECT_NE(std::string(PQerrorMessage(idle.get())).find("idle-session timeout"), std::string::npos)
      << PQerrorMessage(idle.get());
}

}  // namespace
}  // namespace sw::test
