#pragma once
// What the audit trail tests share: a proxy configuration with the trail
// writing JSON Lines into the test's directory, two extra users whose
// records the tests count (pgb on PostgreSQL, sysb on MySQL, both the
// backend's `app`), and readers for the JSONL file and the admin API.
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"

namespace sw::test {

// `audit_toml` goes inside [audit]; `jsonl_toml` inside [audit.jsonl]
// (usually the file's path).
// `users_toml`: more [[users]].
inline ProxyOptions audit_options(const std::string& audit_toml, const std::string& jsonl_toml,
                                  const std::string& users_toml = "") {
  ProxyOptions o;
  o.admin_toml = R"(
[[admin.tokens]]
name = "ops"
token = "ops-secret"
role = "admin")";
  o.extra_toml = fmt::format(R"(
[[users]]
name = "pgb"
password = "pgb"
profile = "allow_all"
backend_user = "app"
backend_password = "app"

[[users]]
name = "sysb"
password = "sysb"
profile = "allow_all"
backend_user = "app"
backend_password = "app"
{}
[audit]
{}
[audit.jsonl]
{}
)",
                             users_toml, audit_toml, jsonl_toml);
  return o;
}

// Every JSON line of `path` (unparsable lines are returned as null).
inline std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line, nullptr, false));
  return out;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline nlohmann::json admin_get(std::uint16_t port, const std::string& path) {
  HttpResult r = http_request(port, "GET", path, "ops-secret");
  return nlohmann::json::parse(r.body, nullptr, false);
}

}  // namespace sw::test
