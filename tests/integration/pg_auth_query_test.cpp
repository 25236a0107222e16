// Users that exist only on the PostgreSQL backend log in through sqlwarden
// with auth_user/auth_query (docs/auth-query.md): a SCRAM user (the backend
// login uses the ClientKey recovered from the client's proof) and an md5
// user (the backend login uses the stored hash). The same libpq calls run
// direct and through the proxy; answers must be equal. Such users get the
// tenant's default_profile.
#include <libpq-fe.h>

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/pg_util.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

// Superuser psql over the fixture's socket.
CommandResult superuser_psql(const std::string& db, const std::string& args) {
  const Servers& s = servers();
  return run_command(
      fmt::format("psql -X -q -v ON_ERROR_STOP=1 -h {} -p {} -U postgres -d {} {} 2>&1",
                  shell_quote(s.pg_socket_dir), s.pg_port, db, args));
}

// Backend-only roles and the documented lookup function (the very file the
// docs tell users to run). Idempotent: the fixture's servers are shared.
void create_backend_only_users() {
  static bool done = false;
  if (done) return;
  const char* roles = R"SQL(
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sqlwarden_auth') THEN
    CREATE ROLE sqlwarden_auth LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sw_scram_only') THEN
    CREATE ROLE sw_scram_only LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sw_md5_only') THEN
    CREATE ROLE sw_md5_only LOGIN IN ROLE md5_logins;
  END IF;
END
$$;
ALTER ROLE sqlwarden_auth PASSWORD 'auth-secret';
SET password_encryption = 'scram-sha-256';
ALTER ROLE sw_scram_only PASSWORD 'scram-secret';
SET password_encryption = 'md5';
ALTER ROLE sw_md5_only PASSWORD 'md5-secret';
)SQL";
  auto r = superuser_psql("postgres", "-c " + shell_quote(roles));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = superuser_psql("exo_cluster",
                     "-f " + shell_quote(source_dir() + "/config/samples/auth_lookup.pg.sql"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  done = true;
}

ProxyOptions auth_query_options(const std::string& auth_method) {
  ProxyOptions o;
  o.tenant_toml = "default_profile = \"read_only\"";
  o.pg_tenant_toml =
      fmt::format("auth_user = \"sqlwarden_auth\"\nauth_method = \"{}\"", auth_method);
  o.extra_toml = R"(
[[users]]
name = "sqlwarden_auth"
password = "auth-secret"
profile = "read_only"
)";
  return o;
}

PgConn connect_as(std::uint16_t port, const std::string& user, const std::string& password) {
  std::string conninfo = fmt::format(
      "host=127.0.0.1 port={} user={} password={} dbname=exo_cluster connect_timeout=10", port,
      user, password);
  return PgConn(PQconnectdb(conninfo.c_str()));
}

// The server's own words, without libpq's "connection to server at ... failed:" prefix.
std::string login_error(PGconn* c) {
  std::string m = PQerrorMessage(c);
  auto at = m.find("failed: ");
  return at == std::string::npos ? m : m.substr(at + 8);
}

// What a session sees of itself and of the data.
std::string identity(PGconn* c) {
  return pg_value(c, "select current_user || ' ' || session_user || ' ' || current_database()") +
         " / " + pg_value(c, "select count(*) from ai_models");
}

TEST(PgAuthQuery, ScramBackendOnlyUserLikeDirect) {
  create_backend_only_users();
  ProxyProcess proxy("pg_auth_query_scram", auth_query_options("scram-sha-256"));
  const std::uint16_t direct = servers().pg_port;

  auto d = connect_as(direct, "sw_scram_only", "scram-secret");
  auto p = connect_as(proxy.pg_port(), "sw_scram_only", "scram-secret");
  ASSERT_EQ(PQstatus(d.get()), CONNECTION_OK) << PQerrorMessage(d.get());
  ASSERT_EQ(PQstatus(p.get()), CONNECTION_OK) << PQerrorMessage(p.get()) << proxy.log();
  EXPECT_EQ(identity(p.get()), identity(d.get()));
  std::printf("SCRAM backend-only user through sqlwarden: %s\n", identity(p.get()).c_str());
  // The tenant's default_profile (read_only) applies: a write is denied by
  // the proxy, while the backend itself would allow it.
  auto w = pg_exec(p.get(), "create temp table auth_query_t (x int)");
  EXPECT_EQ(sqlstate(w.get()), "42501") << PQresultErrorMessage(w.get());
  EXPECT_EQ(PQresultStatus(pg_exec(d.get(), "create temp table auth_query_t (x int)").get()),
            PGRES_COMMAND_OK);

  // Wrong password and unknown users fail exactly as direct.
  for (auto [user, pw] : {std::pair{"sw_scram_only", "wrong"}, std::pair{"sw_nobody", "x"}}) {
    auto dd = connect_as(direct, user, pw);
    auto pp = connect_as(proxy.pg_port(), user, pw);
    EXPECT_EQ(PQstatus(pp.get()), CONNECTION_BAD);
    EXPECT_EQ(login_error(pp.get()), login_error(dd.get())) << user;
  }
  // An md5 hash cannot answer SCRAM (as PostgreSQL's scram-sha-256 method).
  auto md5 = connect_as(proxy.pg_port(), "sw_md5_only", "md5-secret");
  EXPECT_EQ(PQstatus(md5.get()), CONNECTION_BAD);
  EXPECT_NE(login_error(md5.get()).find("password authentication failed"), std::string::npos)
      << login_error(md5.get());
  // Configured users are untouched.
  auto app = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  EXPECT_EQ(PQstatus(app.get()), CONNECTION_OK) << PQerrorMessage(app.get());
}

TEST(PgAuthQuery, Md5AndScramBackendOnlyUsersOnMd5Listener) {
  create_backend_only_users();
  ProxyProcess proxy("pg_auth_query_md5", auth_query_options("md5"));
  const std::uint16_t direct = servers().pg_port;
  for (auto [user, pw] :
       {std::pair{"sw_md5_only", "md5-secret"}, std::pair{"sw_scram_only", "scram-secret"}}) {
    auto d = connect_as(direct, user, pw);
    auto p = connect_as(proxy.pg_port(), user, pw);
    ASSERT_EQ(PQstatus(d.get()), CONNECTION_OK) << PQerrorMessage(d.get());
    ASSERT_EQ(PQstatus(p.get()), CONNECTION_OK) << PQerrorMessage(p.get()) << proxy.log();
    EXPECT_EQ(identity(p.get()), identity(d.get()));
    std::printf("%s through sqlwarden (md5 listener): %s\n", user, identity(p.get()).c_str());
    auto bad_d = connect_as(direct, user, "wrong");
    auto bad_p = connect_as(proxy.pg_port(), user, "wrong");
    EXPECT_EQ(PQstatus(bad_p.get()), CONNECTION_BAD);
    EXPECT_EQ(login_error(bad_p.get()), login_error(bad_d.get())) << user;
  }
  // A lookup that cannot run is a server problem, never a wrong password.
  ProxyOptions broken = auth_query_options("md5");
  broken.pg_tenant_toml += "\nauth_query = \"SELECT rolname, rolpassword FROM no_such_lookup($1)\"";
  ProxyProcess bad_proxy("pg_auth_query_broken", broken);
  auto p = connect_as(bad_proxy.pg_port(), "sw_md5_only", "md5-secret");
  EXPECT_EQ(PQstatus(p.get()), CONNECTION_BAD);
  EXPECT_NE(login_error(p.get()).find("cannot look up user"), std::string::npos)
      << login_error(p.get());
  EXPECT_NE(bad_proxy.log().find("no_such_lookup"), std::string::npos) << bad_proxy.log();
}

}  // namespace
}  // namespace sw::test
