#pragma once
// What the admin API tests share: a proxy with one token per role, a token
// scoped to a second tenant ("other": a MySQL listener towards a closed
// port, so scopes have something to point at), and JSON helpers.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {

// Tokens: ops-secret (admin), read-secret (read), tools-secret (tools),
// scoped-secret (admin, tenant "other").
inline ProxyOptions admin_test_options(const std::string& admin_toml = "") {
  ProxyOptions o;
  o.admin_toml = admin_toml;
  o.extra_toml = fmt::format(R"(
[[admin.tokens]]
name = "ops"
token = "ops-secret"
role = "admin"
[[admin.tokens]]
name = "stats"
token = "read-secret"
role = "read"
[[admin.tokens]]
name = "agent"
token = "tools-secret"
role = "tools"
[[admin.tokens]]
name = "scoped"
token = "scoped-secret"
role = "admin"
tenant = "other"

[[tenants]]
name = "other"
[tenants.mysql]
listen = "127.0.0.1:{}"
backend = "127.0.0.1:1"
)",
                             free_port());
  return o;
}

inline nlohmann::json body_json(const HttpResult& r) {
  return nlohmann::json::parse(r.body, nullptr, false);
}

// The answer is `status` with a JSON error {"error": {"code", "message"}}.
inline void expect_error(const HttpResult& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.raw;
  auto j = body_json(r);
  ASSERT_TRUE(j.is_object()) << r.raw;
  EXPECT_EQ(j["error"]["code"], code) << r.raw;
  EXPECT_TRUE(j["error"]["message"].is_string()) << r.raw;
}

}  // namespace sw::test
