// Acceptance 5: TLS between client and proxy — `mariadb
// --ssl-verify-server-cert` against a test CA generated at test time — and
// caching_sha2_password full authentication over TLS. Plain logins are
// refused when the listener requires TLS.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

class MyTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(make_temp_dir("my_tls_ca"));
    auto r = run_command(source_dir() + "/tests/support/make_test_ca.sh " + *dir_);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_command(source_dir() + "/tests/support/make_test_ca.sh " + *dir_ + "/other");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ProxyOptions options;
    options.my_tenant_toml = fmt::format(R"(caching_sha2_full_auth = true
[tenants.mysql.client_tls]
mode = "require"
cert_file = "{0}/server.crt"
key_file = "{0}/server.key"
)",
                                         *dir_);
    proxy_ = new ProxyProcess("my_tls", options);
  }
  static void TearDownTestSuite() {
    delete proxy_;
    delete dir_;
  }
  std::string client(const std::string& tls, const std::string& user, const std::string& password,
                     const std::string& extra, const std::string& sql) {
    return fmt::format(
        "mariadb --no-defaults --connect-timeout=10 -h 127.0.0.1 -P {} -u {} -p{} {} {} "
        "exo_cluster -e {}",
        proxy_->my_port(), user, password, tls, extra, shell_quote(sql));
  }
  std::string verified() const {
    return fmt::format("--ssl --ssl-ca={}/ca.crt --ssl-verify-server-cert", *dir_);
  }
  static ProxyProcess* proxy_;
  static std::string* dir_;
};
ProxyProcess* MyTls::proxy_ = nullptr;
std::string* MyTls::dir_ = nullptr;

TEST_F(MyTls, VerifiedServerCertificate) {
  auto r = run_command(client(verified(), "app", "app", "", "\\s"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("Cipher in use is"), std::string::npos) << r.output;
  r = run_command(client(verified(), "app", "app", "-N -B", "select count(*) from cluster_nodes"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "5\n");
}

TEST_F(MyTls, CertificateFromAnotherCaIsRejected) {
  auto r = run_command(
      client(fmt::format("--ssl --ssl-ca={}/other/ca.crt --ssl-verify-server-cert", *dir_), "app",
             "app", "", "select 1"));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ERROR 2026"), std::string::npos) << r.output;
}

TEST_F(MyTls, PlainLoginIsRefusedWhenTlsIsRequired) {
  auto r = run_command(client("--skip-ssl", "app", "app", "", "select 1"));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("must use TLS"), std::string::npos) << r.output;
}

TEST_F(MyTls, CachingSha2FullAuthenticationOverTls) {
  auto r = run_command(client(verified(), "app", "app",
                              "--default-auth=caching_sha2_password -N -B", "select 'full'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "full\n");
  r = run_command(
      client(verified(), "app", "wrong", "--default-auth=caching_sha2_password", "select 1"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("ERROR 1045 (28000): Access denied for user 'app'"), std::string::npos)
      << r.output;
}

TEST(MyTlsBackend, RequiredBackendTlsThatTheServerLacksFailsClearly) {
  // The fixture's MariaDB offers no TLS: "require" must refuse, "allow" must fall back.
  ProxyOptions require;
  require.my_tenant_toml = "[tenants.mysql.server_tls]\nmode = \"require\"\n";
  ProxyProcess strict("my_tls_backend_require", require);
  auto r = run_command(
      fmt::format("mariadb --no-defaults -h 127.0.0.1 -P {} -u app -papp exo_cluster -e 'select 1'",
                  strict.my_port()));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("backend does not offer TLS"), std::string::npos) << r.output;
  ProxyOptions allow;
  allow.my_tenant_toml = "[tenants.mysql.server_tls]\nmode = \"allow\"\n";
  ProxyProcess lenient("my_tls_backend_allow", allow);
  r = run_command(fmt::format(
      "mariadb --no-defaults -N -B -h 127.0.0.1 -P {} -u app -papp exo_cluster -e 'select 1'",
      lenient.my_port()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "1\n");
}

}  // namespace
}  // namespace sw::test
