// Issue 14: the admin HTTP server against a running proxy — tokens and
// roles, JSON errors, /health and /version (more endpoints in their own
// test files).
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/admin_util.hpp"
#include "tests/support/command.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

// sha256("hashed-token")
constexpr const char* kHashedTokenSha =
    "550643f45e135491c47bea94823b37278d5dd91375b285d44001d005d1603a33";

TEST(AdminApi, HealthAndVersion) {
  ProxyProcess proxy("admin-health", admin_test_options());
  auto r = http_request(proxy.admin_port(), "GET", "/health", "read-secret");
  ASSERT_EQ(r.status, 200) << r.raw;
  auto j = body_json(r);
  // "default" reaches both fixture servers; "other" points at a closed port.
  EXPECT_EQ(j["status"], "degraded") << r.body;
  ASSERT_EQ(j["backends"].size(), 3u) << r.body;
  for (const auto& b : j["backends"]) {
    if (b["tenant"] == "default") {
      EXPECT_TRUE(b["reachable"].get<bool>()) << r.body;
      EXPECT_GE(b["latency_ms"].get<double>(), 0.0);
    } else {
      EXPECT_FALSE(b["reachable"].get<bool>()) << r.body;
      EXPECT_TRUE(b["error"].is_string()) << r.body;
    }
  }
  // A token scoped to "other" sees only that tenant's backend.
  j = body_json(http_request(proxy.admin_port(), "GET", "/health", "scoped-secret"));
  EXPECT_EQ(j["backends"].size(), 1u) << j.dump();
  r = http_request(proxy.admin_port(), "GET", "/version", "read-secret");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(body_json(r)["version"], "0.1.0") << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/json");

  // A real client: curl with the bearer token, keep-alive across two requests.
  auto c = run_command(
      fmt::format("curl -sS -H 'Authorization: Bearer ops-secret' http://127.0.0.1:{0}/version "
                  "http://127.0.0.1:{0}/health",
                  proxy.admin_port()));
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("\"sqlwarden\""), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("\"backends\""), std::string::npos) << c.output;
}

TEST(AdminApi, TokensRolesAndErrors) {
  ProxyProcess proxy("admin-auth", admin_test_options());
  auto port = proxy.admin_port();
  // No token, loopback without token is off by default.
  expect_error(http_request(port, "GET", "/version"), 401, "unauthorized");
  expect_error(http_request(port, "GET", "/version", "wrong"), 401, "unauthorized");
  expect_error(http_request(port, "GET", "/version", "ops-secre"), 401, "unauthorized");
  expect_error(http_raw(port,
                        "GET /version HTTP/1.1\r\nHost: x\r\nAuthorization: Basic "
                        "b3BzOm9wcw==\r\nConnection: close\r\n\r\n"),
               401, "unauthorized");
  auto r = http_request(port, "GET", "/version");
  EXPECT_EQ(r.headers["www-authenticate"], "Bearer");
  // Unknown path and wrong method.
  expect_error(http_request(port, "GET", "/nope", "ops-secret"), 404, "not_found");
  r = http_request(port, "DELETE", "/version", "ops-secret");
  expect_error(r, 405, "method_not_allowed");
  EXPECT_EQ(r.headers["allow"], "GET");
  // Every role may read /version.
  for (const char* tok : {"ops-secret", "read-secret", "tools-secret"})
    EXPECT_EQ(http_request(port, "GET", "/version", tok).status, 200) << tok;
  // Lower-case scheme is accepted (RFC 7235: case-insensitive).
  EXPECT_EQ(http_raw(port,
                     "GET /version HTTP/1.1\r\nHost: x\r\nauthorization: bearer "
                     "read-secret\r\nConnection: close\r\n\r\n")
                .status,
            200);
}

TEST(AdminApi, LoopbackWithoutTokenAndHashedTokens) {
  ProxyOptions o;
  o.admin_toml = "allow_loopback_without_token = true";
  o.extra_toml = fmt::format(R"(
[[admin.tokens]]
name = "hashed"
sha256 = "{}"
role = "read"
)",
                             kHashedTokenSha);
  ProxyProcess proxy("admin-loopback", o);
  EXPECT_EQ(http_request(proxy.admin_port(), "GET", "/version").status, 200);
  EXPECT_EQ(http_request(proxy.admin_port(), "GET", "/version", "hashed-token").status, 200);
  // A token that is present must still be valid.
  expect_error(http_request(proxy.admin_port(), "GET", "/version", "nope"), 401, "unauthorized");
}

TEST(AdminApi, TlsRequireAndAllow) {
  std::string tls = make_temp_dir("admin-tls-ca") + "/tls";
  auto ca = run_command(source_dir() + "/tests/support/make_test_ca.sh " + tls);
  ASSERT_EQ(ca.exit_code, 0) << ca.output;
  for (const char* mode : {"require", "allow"}) {
    ProxyOptions o;
    o.admin_toml = "allow_loopback_without_token = true";
    o.extra_toml = fmt::format(
        "[admin.tls]\nmode = \"{}\"\ncert_file = \"{}/server.crt\"\nkey_file = \"{}/server.key\"\n",
        mode, tls, tls);
    ProxyProcess proxy(std::string("admin-tls-") + mode, o);
    auto https = run_command(fmt::format("curl -sS --cacert {}/ca.crt https://127.0.0.1:{}/version",
                                         tls, proxy.admin_port()));
    EXPECT_EQ(https.exit_code, 0) << mode << ": " << https.output;
    EXPECT_NE(https.output.find("\"sqlwarden\""), std::string::npos) << https.output;
    auto plain = http_request(proxy.admin_port(), "GET", "/version");
    if (std::string(mode) == "allow")
      EXPECT_EQ(plain.status, 200) << plain.raw;
    else
      EXPECT_NE(plain.status, 200) << plain.raw;  // a TLS server does not speak plain HTTP
  }
}

}  // namespace
}  // namespace sw::test
