#include "proxy/admin/config_view.hpp"

#include <algorithm>

namespace sw::admin {

namespace {

using nlohmann::json;

std::string mask(const Secret& s) {
  return s.empty() ? "" : "********";
}

const char* tls_mode_name(TlsMode m) {
  switch (m) {
    case TlsMode::disabled:
      return "disabled";
    case TlsMode::allow:
      return "allow";
    case TlsMode::require:
      return "require";
  }
  return "disabled";
}

json tls_json(const TlsConfig& t) {
  return {{"mode", tls_mode_name(t.mode)},
          {"cert_file", t.cert_file},
          {"key_file", t.key_file},
          {"ca_file", t.ca_file}};
}

json listener_json(const ListenerConfig& l) {
  return {{"listen", l.listen.to_string()},
          {"backend", l.backend.to_string()},
          {"default_database", l.default_database},
          {"client_tls", tls_json(l.client_tls)},
          {"server_tls", tls_json(l.server_tls)},
          {"read_timeout_seconds", l.read_timeout.count()},
          {"write_timeout_seconds", l.write_timeout.count()}};
}

json pool_json(const PoolConfig& p) {
  return {{"mode", pool_mode_name(p.mode)},
          {"size", p.size},
          {"min_idle", p.min_idle},
          {"server_idle_timeout_seconds", p.server_idle_timeout.count()},
          {"connect_timeout_ms", p.connect_timeout.count()}};
}

template <class T>
void put_optional(json& j, const char* key, const std::optional<T>& v) {
  if (v) j[key] = *v;
}

}  // namespace

json config_json(const Config& c) {
  json server{{"workers", c.server.workers},
              {"log_level", c.server.log_level},
              {"log_format", c.server.log_format == LogFormat::json ? "json" : "text"},
              {"shutdown_grace_seconds", c.server.shutdown_grace.count()},
              {"max_client_connections", c.server.max_client_connections},
              {"max_message_bytes", c.server.max_message_bytes},
              {"client_auth_timeout_ms", c.server.client_auth_timeout.count()},
              {"client_idle_timeout_seconds", c.server.client_idle_timeout.count()}};
  json tokens = json::array();
  for (const auto& t : c.admin.tokens)
    tokens.push_back({{"name", t.name},
                      {"role", admin_role_name(t.role)},
                      {"tenant", t.tenant.empty() ? "*" : t.tenant},
                      {"token", "********"}});
  json admin{{"enabled", c.admin.enabled},
             {"listen", c.admin.listen.to_string()},
             {"tls", tls_json(c.admin.tls)},
             {"allow_loopback_without_token", c.admin.allow_loopback_without_token},
             {"max_connections", c.admin.max_connections},
             {"max_header_bytes", c.admin.max_header_bytes},
             {"max_body_bytes", c.admin.max_body_bytes},
             {"read_timeout_ms", c.admin.read_timeout.count()},
             {"idle_timeout_seconds", c.admin.idle_timeout.count()},
             {"tokens", tokens}};
  json tenants = json::array();
  for (const auto& t : c.tenants) {
    json j{{"name", t.name}, {"default_profile", t.default_profile}, {"pool", pool_json(t.pool)}};
    if (t.postgres) j["postgres"] = listener_json(*t.postgres);
    if (t.mysql) j["mysql"] = listener_json(*t.mysql);
    tenants.push_back(std::move(j));
  }
  json users = json::array();
  for (const auto& u : c.users)
    users.push_back({{"name", u.name},
                     {"password", mask(u.password)},
                     {"profile", u.profile},
                     {"backend_user", u.backend_user},
                     {"backend_password", mask(u.backend_password)},
                     {"tenants", u.tenants}});
  return {{"server", server},
          {"admin", admin},
          {"tenants", tenants},
          {"users", users},
          {"profiles", profiles_json(c)["profiles"]}};
}

json profiles_json(const Config& c) {
  json list = json::array();
  for (auto name : kBuiltinProfiles)
    list.push_back({{"name", std::string(name)}, {"builtin", true}});
  for (const auto& p : c.profiles) {
    json j{{"name", p.name}, {"builtin", false}, {"base", p.base}};
    put_optional(j, "allowed_kinds", p.allowed_kinds);
    put_optional(j, "denied_functions", p.denied_functions);
    put_optional(j, "allowed_tables", p.allowed_tables);
    put_optional(j, "denied_tables", p.denied_tables);
    put_optional(j, "max_length", p.max_length);
    put_optional(j, "max_statements", p.max_statements);
    put_optional(j, "allow_writes", p.allow_writes);
    put_optional(j, "allow_cross_database", p.allow_cross_database);
    list.push_back(std::move(j));
  }
  json users = json::object();
  for (const auto& u : c.users) {
    // The profile each user gets on each tenant it may use.
    json per_tenant = json::object();
    for (const auto& t : c.tenants)
      if (u.tenants.empty() ||
          std::find(u.tenants.begin(), u.tenants.end(), t.name) != u.tenants.end())
        per_tenant[t.name] = std::string(c.profile_for(&u, &t));
    users[u.name] = per_tenant;
  }
  return {{"profiles", list}, {"users", users}};
}

}  // namespace sw::admin
