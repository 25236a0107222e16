#pragma once
// What a route handler sees and returns: plain values, no Beast types, so
// features that hang endpoints on the admin server (tools, audit, cloning)
// never compile Beast themselves.
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"

namespace sw::admin {

// Who is calling: a configured token, or a loopback peer when
// allow_loopback_without_token is on (name "loopback", role admin).
struct Principal {
  std::string name;
  AdminRole role = AdminRole::read;
  std::string tenant;         // empty = every tenant
  bool authenticated = true;  // false: no token, allowed on public routes only

  bool has_role(AdminRole required) const noexcept { return role >= required; }
  bool may_access_tenant(std::string_view t) const noexcept {
    return tenant.empty() || tenant == t;
  }
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, percent-decoding not applied
  std::string query;   // raw, after '?'
  std::string body;
  std::string content_type;
  std::string peer;                           // "ip:port"
  bool peer_loopback = false;                 // the peer is this machine
  std::map<std::string, std::string> params;  // {name} segments of the route pattern
  // Header fields by lower-case name (Authorization is kept out: handlers
  // never see the credential).
  std::map<std::string, std::string> headers;
  Principal principal;

  // ?name=value from the query string (percent-decoded); nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
  // A header's value ("" when absent); `lower_name` in lower case.
  std::string header(std::string_view lower_name) const;
  // The body as a JSON object; an empty body is {}.
  Result<nlohmann::json> json_body() const;
  // json_body() restricted to `allowed` keys; the error names the first
  // unknown key. Use with bad_request() to answer 400.
  Result<nlohmann::json> json_body(std::initializer_list<std::string_view> allowed) const;
};

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

Response json_response(const nlohmann::json& body, unsigned status = 200);
// {"error": {"code": code, "message": message}} with `status`.
Response error_response(unsigned status, std::string_view code, std::string_view message);
Response text_response(std::string body, std::string content_type, unsigned status = 200);
Response bad_request(const Error& error);

// %XX sequences decoded; `plus_is_space` for query strings (form encoding),
// not for path segments.
std::string percent_decode(std::string_view s, bool plus_is_space);

}  // namespace sw::admin
