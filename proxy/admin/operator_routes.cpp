#include "proxy/admin/operator_routes.hpp"

#include <chrono>
#include <map>

#include "pool/registry.hpp"
#include "proxy/admin/blocking.hpp"
#include "proxy/admin/config_view.hpp"
#include "proxy/admin/listen_routes.hpp"
#include "proxy/admin/pool_pause_routes.hpp"
#include "proxy/core/metrics.hpp"
#include "proxy/core/version.hpp"
#include "proxy/net/session_registry.hpp"

namespace sw::admin {

namespace {

using nlohmann::json;

std::string iso_time(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json client_json(const net::SessionInfo& s) {
  auto age = std::chrono::duration<double>(std::chrono::system_clock::now() - s.connected_at);
  return {{"id", s.id},
          {"protocol", protocol_name(s.protocol)},
          {"tenant", s.tenant},
          {"user", s.user},
          {"database", s.database},
          {"address", s.peer},
          {"state", net::session_state_name(s.state)},
          {"connected_at", iso_time(s.connected_at)},
          {"connected_seconds", age.count()}};
}

std::vector<net::SessionInfo> visible_sessions(const Principal& who) {
  std::vector<net::SessionInfo> out;
  for (auto& s : net::SessionRegistry::instance().list())
    if (who.may_access_tenant(s.tenant)) out.push_back(std::move(s));
  return out;
}

std::string label(const metrics::Labels& labels, std::string_view key) {
  for (const auto& [k, v] : labels)
    if (k == key) return v;
  return {};
}

// {protocol: {label value: count}} of one counter family.
json by_protocol(std::string_view family, std::string_view key) {
  json out = json::object();
  for (const auto& [labels, v] : metrics::Registry::global().values(family)) {
    auto& p = out[label(labels, "protocol")];
    if (key.empty())
      p = v;
    else
      p[label(labels, key)] = v;
  }
  return out;
}

json latency_json() {
  json out = json::object();
  for (const auto& [labels, snap] :
       metrics::Registry::global().histograms("sqlwarden_request_duration_seconds")) {
    json buckets = json::array();
    for (std::size_t i = 0; i < snap.bounds.size(); ++i)
      buckets.push_back({{"le", snap.bounds[i]}, {"count", snap.cumulative[i]}});
    out[label(labels, "protocol")] = {
        {"count", snap.count},
        {"sum_seconds", snap.sum},
        {"avg_ms", snap.count ? snap.sum * 1000 / static_cast<double>(snap.count) : 0.0},
        {"buckets", buckets}};
  }
  return out;
}

void add_views(Router& router, LiveConfig& live) {
  router.add_sync("GET", "/metrics", AdminRole::read, [](Request&) {
    return text_response(metrics::Registry::global().render(),
                         "text/plain; version=0.0.4; charset=utf-8");
  });
  router.add_sync("GET", "/api/v1/clients", AdminRole::read, [](Request& req) {
    json list = json::array();
    for (const auto& s : visible_sessions(req.principal)) list.push_back(client_json(s));
    return json_response({{"clients", list}, {"count", list.size()}});
  });
  router.add_sync("GET", "/api/v1/clients/{id}", AdminRole::read, [](Request& req) {
    for (const auto& s : visible_sessions(req.principal))
      if (std::to_string(s.id) == req.params["id"]) return json_response(client_json(s));
    return error_response(404, "not_found", "no such client");
  });
  // Until pooling lands every session holds its own server connection, so
  // the server view is derived from the sessions and their listener.
  router.add_sync("GET", "/api/v1/servers", AdminRole::read, [&live](Request& req) {
    ConfigPtr config = live.get();
    json list = json::array();
    for (const auto& s : visible_sessions(req.principal)) {
      const TenantConfig* t = config->find_tenant(s.tenant);  // null: removed by a reload
      const std::optional<ListenerConfig>* l = !t                                 ? nullptr
                                               : s.protocol == Protocol::postgres ? &t->postgres
                                                                                  : &t->mysql;
      const UserConfig* u = config->find_user(s.user);
      list.push_back({{"client_id", s.id},
                      {"tenant", s.tenant},
                      {"protocol", protocol_name(s.protocol)},
                      {"backend", l && l->has_value() ? (*l)->backend.to_string() : ""},
                      {"user", u && !u->backend_user.empty() ? u->backend_user : s.user},
                      {"database", s.database},
                      {"state", net::session_state_name(s.state)}});
    }
    return json_response({{"servers", list}, {"count", list.size()}});
  });
  router.add_sync("GET", "/api/v1/pools", AdminRole::read, [&live](Request& req) {
    ConfigPtr config = live.get();
    auto sessions = visible_sessions(req.principal);
    json list = json::array();
    for (const auto& t : config->tenants) {
      if (!req.principal.may_access_tenant(t.name)) continue;
      for (Protocol p : {Protocol::postgres, Protocol::mysql}) {
        const auto& l = p == Protocol::postgres ? t.postgres : t.mysql;
        if (!l) continue;
        int active = 0, idle = 0;
        for (const auto& s : sessions)
          if (s.tenant == t.name && s.protocol == p)
            ++(s.state == net::SessionState::active ? active : idle);
        list.push_back({{"name", t.name + "/" + protocol_name(p)},
                        {"tenant", t.name},
                        {"protocol", protocol_name(p)},
                        {"backend", l->backend.to_string()},
                        {"mode", pool_mode_name(t.pool.mode)},
                        {"size", t.pool.size},
                        {"min_idle", t.pool.min_idle},
                        {"clients_active", active},
                        {"clients_idle", idle},
                        {"servers", active + idle},
                        {"paused", false}});
      }
    }
    // The backend pools of pool/ (PgBouncer's SHOW POOLS + SHOW STATS), one
    // per (tenant, backend, database, user), once sessions lease from them.
    json backend_pools = json::array();
    for (const auto& p : pool::PoolRegistry::instance().snapshot()) {
      if (!req.principal.may_access_tenant(p.key.tenant)) continue;
      backend_pools.push_back({{"name", p.key.name()},
                               {"tenant", p.key.tenant},
                               {"backend", p.key.backend},
                               {"database", p.key.database},
                               {"user", p.key.user},
                               {"mode", p.mode},
                               {"size", p.size},
                               {"in_use", p.budget_in_use},
                               {"clients_active", p.clients_active},
                               {"clients_waiting", p.clients_waiting},
                               {"servers_active", p.servers_active},
                               {"servers_idle", p.servers_idle},
                               {"servers_login", p.servers_login},
                               {"max_wait_us", p.max_wait_us},
                               {"transactions", p.transactions},
                               {"queries", p.queries},
                               {"avg_wait_time_us", p.avg_wait_time_us},
                               {"wait_timeouts", p.wait_timeouts},
                               {"paused", p.paused}});
    }
    return json_response({{"pools", list}, {"backend_pools", backend_pools}});
  });
  router.add_sync("GET", "/api/v1/stats", AdminRole::read, [](Request&) {
    return json_response(
        {{"statements", by_protocol("sqlwarden_statements_total", "kind")},
         {"denials", by_protocol("sqlwarden_denials_total", "rule")},
         {"backend_errors", by_protocol("sqlwarden_backend_errors_total", "class")},
         {"transactions", by_protocol("sqlwarden_transactions_total", "")},
         {"logins", by_protocol("sqlwarden_client_logins_total", "")},
         {"received_bytes", by_protocol("sqlwarden_client_received_bytes_total", "")},
         {"sent_bytes", by_protocol("sqlwarden_client_sent_bytes_total", "")},
         {"latency", latency_json()},
         {"clients", net::SessionRegistry::instance().size()}});
  });
  router.add_sync("GET", "/api/v1/config", AdminRole::admin,
                  [&live](Request&) { return json_response(config_json(*live.get())); });
  router.add_sync("GET", "/api/v1/profiles", AdminRole::read,
                  [&live](Request&) { return json_response(profiles_json(*live.get())); });
}

void add_actions(Router& router, Operations ops) {
  router.add("POST", "/api/v1/reload", AdminRole::admin,
             [ops](Request& req) -> net::awaitable<Response> {
               auto body = req.json_body({});
               if (!body) co_return bad_request(body.error());
               if (!ops.reload)
                 co_return error_response(409, "not_reloadable",
                                          "the proxy was not started with --config FILE");
               ReloadReport report = co_await run_blocking(ops.reload);
               if (!report.ok)
                 co_return json_response({{"error",
                                           {{"code", "invalid_config"},
                                            {"message",
                                             "the configuration file was rejected; "
                                             "nothing changed"},
                                            {"problems", report.problems}}}},
                                         422);
               co_return json_response({{"reloaded", true}, {"notes", report.notes}});
             });
  router.add_sync("POST", "/api/v1/clients/{id}/kill", AdminRole::admin, [](Request& req) {
    auto body = req.json_body({});
    if (!body) return bad_request(body.error());
    for (const auto& s : visible_sessions(req.principal)) {
      if (std::to_string(s.id) != req.params["id"]) continue;
      if (!net::SessionRegistry::instance().kill(s.id)) break;
      return json_response({{"killed", s.id}});
    }
    return error_response(404, "not_found", "no such client");
  });
  router.add_sync("POST", "/api/v1/shutdown", AdminRole::admin, [ops](Request& req) {
    auto body = req.json_body({});
    if (!body) return bad_request(body.error());
    if (req.principal.tenant.size())
      return error_response(403, "forbidden", "a tenant-scoped token cannot stop the proxy");
    if (ops.shutdown) ops.shutdown();
    return json_response({{"shutting_down", true}}, 202);
  });
}

}  // namespace

void add_operator_routes(Router& router, LiveConfig& config, Operations operations) {
  auto& r = metrics::Registry::global();
  r.gauge("sqlwarden_build_info", "sqlwarden build; the value is always 1",
          {{"version", SQLWARDEN_VERSION}})
      .add(1);
  auto started = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch());
  r.add_collector([started](metrics::Exposition& out) {
    out.gauge("sqlwarden_start_time_seconds", "Unix time the proxy started", {}, started.count());
    for (const auto& p : pool::PoolRegistry::instance().snapshot()) {
      metrics::Labels l{{"pool", p.key.name()}, {"tenant", p.key.tenant}};
      out.gauge("sqlwarden_pool_clients_waiting", "Clients waiting for a server connection", l,
                p.clients_waiting);
      out.gauge("sqlwarden_pool_servers_active", "Server connections leased to clients", l,
                p.servers_active);
      out.gauge("sqlwarden_pool_servers_idle", "Idle server connections", l, p.servers_idle);
      out.gauge("sqlwarden_pool_max_wait_seconds", "How long the oldest waiting client has waited",
                l, static_cast<double>(p.max_wait_us) / 1e6);
      out.counter("sqlwarden_pool_wait_timeouts_total",
                  "Clients that gave up waiting for a server connection", l,
                  static_cast<double>(p.wait_timeouts));
    }
  });
  add_views(router, config);
  add_actions(router, std::move(operations));
  add_pool_pause_routes(router, config);
  add_listen_routes(router);
}

}  // namespace sw::admin
