#include "proxy/admin/tools/tool_target.hpp"

#include <fmt/format.h>

namespace sw::tools {
namespace {

// A profile that must not write: read_only, or a custom profile built on it
// or with allow_writes = false.
bool profile_is_read_only(const Config& config, std::string_view profile) {
  for (int depth = 0; depth < 8; ++depth) {
    if (profile == "read_only") return true;
    const ProfileConfig* p = config.find_profile(profile);
    if (!p) return false;
    if (p->allow_writes) return !*p->allow_writes;
    profile = p->base;
  }
  return false;
}

// Wildcard listen addresses are reached on loopback.
std::string connect_host(const std::string& host) {
  if (host.empty() || host == "0.0.0.0" || host == "*") return "127.0.0.1";
  if (host == "::" || host == "[::]") return "::1";
  return host;
}

}  // namespace

std::variant<ResolvedTarget, nlohmann::json> resolve_target(const Config& config,
                                                            const ToolsConfig& tc,
                                                            const ToolScope& scope) {
  const TenantConfig* tenant = nullptr;
  if (!scope.tenant.empty()) {
    tenant = config.find_tenant(scope.tenant);
    if (!tenant) return tool_error("unknown_tenant", fmt::format("no tenant \"{}\"", scope.tenant));
  } else if (!config.tenants.empty()) {
    tenant = &config.tenants.front();
  } else {
    return tool_error("no_tenant", "no tenant is configured");
  }
  std::string engine = !scope.engine.empty() ? scope.engine : tc.engine;
  if (engine.empty()) engine = tenant->mysql ? "mysql" : "postgres";
  const ListenerConfig* listener = nullptr;
  if (engine == "mysql")
    listener = tenant->mysql ? &*tenant->mysql : nullptr;
  else if (engine == "postgres")
    listener = tenant->postgres ? &*tenant->postgres : nullptr;
  else
    return tool_error("bad_engine", "engine must be \"mysql\" or \"postgres\"");
  if (!listener)
    return tool_error("no_listener",
                      fmt::format("tenant \"{}\" has no {} listener", tenant->name, engine));

  const UserConfig* user = config.find_user(tc.user);
  Secret password = tc.password;
  if (password.empty() && user && user->password.reveal().rfind("SCRAM-SHA-256$", 0) != 0)
    password = user->password;
  if (password.empty())
    return tool_error("no_tool_credentials",
                      fmt::format("the tool user \"{}\" has no plain password: set "
                                  "[tools].password",
                                  tc.user));

  ResolvedTarget r;
  r.tenant = tenant->name;
  r.profile = std::string(config.profile_for(user, tenant));
  r.connect.engine = engine == "mysql" ? Protocol::mysql : Protocol::postgres;
  r.connect.host = connect_host(listener->listen.host);
  r.connect.port = listener->listen.port;
  r.connect.user = tc.user;
  r.connect.password = password;
  r.connect.database = !tc.database.empty() ? tc.database : listener->default_database;
  r.connect.read_only = profile_is_read_only(config, r.profile);
  r.limits.timeout = tc.statement_timeout;
  r.limits.max_rows = tc.max_rows;
  r.key = fmt::format("{}\n{}\n{}\n{}\n{}", r.tenant, engine, r.connect.user, r.connect.database,
                      r.connect.read_only);
  return r;
}

}  // namespace sw::tools
