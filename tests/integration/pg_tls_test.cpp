// TLS towards clients: libpq sslmode=verify-full against a CA generated for
// the test, plain connections refused under mode = "require", accepted
// under "allow", and SCRAM-SHA-256-PLUS channel binding over TLS.
#include <libpq-fe.h>

#include <gtest/gtest.h>

#include "tests/integration/pg_util.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

std::string make_ca(const std::string& dir) {
  auto r = run_command(source_dir() + "/tests/support/make_test_ca.sh " + dir + "/tls");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return dir + "/tls";
}

ProxyOptions tls_options(const std::string& tls_dir, const std::string& mode) {
  ProxyOptions o;
  o.pg_tenant_toml = fmt::format(
      "[tenants.postgres.client_tls]\nmode = \"{}\"\ncert_file = \"{}/server.crt\"\n"
      "key_file = \"{}/server.key\"\n",
      mode, tls_dir, tls_dir);
  return o;
}

std::string verify_full(const std::string& tls_dir) {
  return fmt::format("sslmode=verify-full sslrootcert={}/ca.crt hostaddr=127.0.0.1", tls_dir);
}

PgConn connect_localhost(std::uint16_t port, const std::string& extra) {
  return PgConn(
      PQconnectdb(fmt::format("host=localhost port={} user=app password=app dbname=exo_cluster "
                              "connect_timeout=10 {}",
                              port, extra)
                      .c_str()));
}

TEST(PgTls, VerifyFullAndPlainRefusedUnderRequire) {
  std::string tls = make_ca(make_temp_dir("pg_tls_ca_require"));
  ProxyProcess proxy("pg_tls_require", tls_options(tls, "require"));
  auto c = connect_localhost(proxy.pg_port(), verify_full(tls));
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get()) << proxy.log();
  EXPECT_EQ(PQsslInUse(c.get()), 1);
  EXPECT_STREQ(PQsslAttribute(c.get(), "protocol"), "TLSv1.3");
  EXPECT_EQ(pg_value(c.get(), "select count(*) from ai_models"), "6");
  // Large result over TLS.
  EXPECT_EQ(pg_value(c.get(),
                     "select length(string_agg(md5(i::text), '')) from "
                     "generate_series(1, 100000) i"),
            "3200000");

  auto plain = connect_localhost(proxy.pg_port(), "sslmode=disable hostaddr=127.0.0.1");
  EXPECT_EQ(PQstatus(plain.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(plain.get())).find("requires TLS"), std::string::npos)
      << PQerrorMessage(plain.get());

  // SCRAM-SHA-256-PLUS: libpq insists on channel binding and gets it.
  auto cb = connect_localhost(proxy.pg_port(), verify_full(tls) + " channel_binding=require");
  ASSERT_EQ(PQstatus(cb.get()), CONNECTION_OK) << PQerrorMessage(cb.get());
  EXPECT_EQ(pg_value(cb.get(), "select 'bound'"), "bound");
  // ... and a wrong password still fails the same way.
  auto cb_bad = PgConn(
      PQconnectdb(fmt::format("host=localhost port={} user=app password=nope dbname=exo_cluster {} "
                              "channel_binding=require",
                              proxy.pg_port(), verify_full(tls))
                      .c_str()));
  EXPECT_NE(std::string(PQerrorMessage(cb_bad.get()))
                .find("password authentication failed for user \"app\""),
            std::string::npos)
      << PQerrorMessage(cb_bad.get());

  // A certificate from another CA fails verification.
  std::string other = make_ca(make_temp_dir("pg_tls_ca_other"));
  auto wrong = connect_localhost(proxy.pg_port(), verify_full(other));
  EXPECT_EQ(PQstatus(wrong.get()), CONNECTION_BAD);
  EXPECT_TRUE(proxy.running());
}

TEST(PgTls, AllowAcceptsBoth) {
  std::string tls = make_ca(make_temp_dir("pg_tls_ca_allow"));
  ProxyProcess proxy("pg_tls_allow", tls_options(tls, "allow"));
  auto secure = connect_localhost(proxy.pg_port(), verify_full(tls));
  ASSERT_EQ(PQstatus(secure.get()), CONNECTION_OK) << PQerrorMessage(secure.get());
  EXPECT_EQ(PQsslInUse(secure.get()), 1);
  auto plain = connect_localhost(proxy.pg_port(), "sslmode=disable hostaddr=127.0.0.1");
  ASSERT_EQ(PQstatus(plain.get()), CONNECTION_OK) << PQerrorMessage(plain.get());
  EXPECT_EQ(PQsslInUse(plain.get()), 0);
  EXPECT_EQ(pg_value(plain.get(), "select 1"), "1");
  // psql with sslmode=require.
  auto r = run_command(
      fmt::format("PGPASSWORD=app psql -X -At 'host=127.0.0.1 port={} user=app dbname=exo_cluster "
                  "sslmode=require' -c '\\conninfo'",
                  proxy.pg_port()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("SSL connection (protocol: TLSv1.3"), std::string::npos) << r.output;
}

// Backend TLS: a second sqlwarden (B) uses the first (A, TLS required) as
// its backend, verifying A's certificate against the test CA.
TEST(PgTls, BackendTlsVerifiesServerCertificate) {
  std::string tls = make_ca(make_temp_dir("pg_tls_ca_backend"));
  ProxyProcess a("pg_tls_backend_a", tls_options(tls, "require"));
  ProxyOptions b_opts;
  b_opts.pg_backend_port = a.pg_port();
  b_opts.pg_tenant_toml = fmt::format(
      "[tenants.postgres.server_tls]\nmode = \"require\"\nca_file = \"{}/ca.crt\"\n", tls);
  ProxyProcess b("pg_tls_backend_b", b_opts);
  auto c = pg_connect(b.pg_port(), "app", "exo_cluster", "sslmode=disable");
  ASSERT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get()) << b.log();
  EXPECT_EQ(pg_value(c.get(), "select count(*) from ai_models"), "6");

  // The same with a CA that did not sign A's certificate: refused.
  std::string other = make_ca(make_temp_dir("pg_tls_ca_backend_other"));
  ProxyOptions bad_opts;
  bad_opts.pg_backend_port = a.pg_port();
  bad_opts.pg_tenant_toml = fmt::format(
      "[tenants.postgres.server_tls]\nmode = \"require\"\nca_file = \"{}/ca.crt\"\n", other);
  ProxyProcess bad("pg_tls_backend_bad", bad_opts);
  auto refused = pg_connect(bad.pg_port(), "app", "exo_cluster", "sslmode=disable");
  EXPECT_EQ(PQstatus(refused.get()), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(refused.get())).find("TLS handshake with backend"),
            std::string::npos)
      << PQerrorMessage(refused.get());
}

}  // namespace
}  // namespace sw::test
