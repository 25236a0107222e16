#include "proxy/tenants/cloning_routes.hpp"

#include <boost/asio/thread_pool.hpp>

#include "proxy/admin/blocking.hpp"
#include "proxy/tenants/cloning_json.hpp"

namespace sw::tenants {
namespace {

using admin::Request;
using admin::Response;
using nlohmann::json;

// Cloning work blocks for seconds (DDL, copies, verify's logins): it runs
// on threads of its own, so ten creates at once neither queue behind the
// admin API's two blocking threads nor hold them.
net::asio::thread_pool& cloning_pool() {
  static net::asio::thread_pool pool(8);
  return pool;
}

Response failure(const OpError& e) {
  switch (e.kind) {
    case Failure::bad_request:
      return admin::error_response(400, "bad_request", e.message);
    case Failure::not_found:
      return admin::error_response(404, "not_found", e.message);
    case Failure::conflict:
      return admin::error_response(409, "conflict", e.message);
    case Failure::unavailable:
      return admin::error_response(503, "unavailable", e.message);
    case Failure::backend:
      break;
  }
  return admin::error_response(502, "backend_error", e.message);
}

template <class T, class F>
Response answer(const OpResult<T>& r, F to_json, unsigned status = 200) {
  if (auto* e = std::get_if<OpError>(&r)) return failure(*e);
  return admin::json_response(to_json(std::get<T>(r)), status);
}

bool flag(const Request& req, std::string_view name) {
  auto v = req.query_param(name);
  return v && (*v == "true" || *v == "1" || v->empty());
}

// Records the caller's token may see.
std::vector<TenantRecord> visible(const TenantManager& m, const Request& req, bool all) {
  std::vector<TenantRecord> out;
  for (auto& r : m.list(all))
    if (req.principal.may_access_tenant(r.id)) out.push_back(std::move(r));
  return out;
}

Result<CreateRequest> parse_create(const Request& req) {
  auto body = req.json_body({"tenant_id", "db_type", "database_type", "root_version"});
  if (!body) return body.error();
  CreateRequest c;
  auto text = [&](const char* key, std::string& out) -> Status {
    if (!body->contains(key)) return {};
    if (!(*body)[key].is_string())
      return make_error(Errc::invalid_argument, std::string(key) + ": expected a string");
    out = (*body)[key].get<std::string>();
    return {};
  };
  for (auto [key, out] : {std::pair<const char*, std::string*>{"tenant_id", &c.tenant_id},
                          {"db_type", &c.db_type},
                          {"database_type", &c.db_type},  // seed 003's client sends this name
                          {"root_version", &c.root_version}})
    if (auto s = text(key, *out); !s) return s.error();
  if (c.tenant_id.empty()) return make_error(Errc::invalid_argument, "tenant_id: missing");
  if (c.db_type.empty())
    return make_error(Errc::invalid_argument, "db_type: missing (mysql or postgresql)");
  return c;
}

}  // namespace

void add_cloning_routes(admin::Router& router, TenantManager* manager) {
  auto off = [](Request&) {
    return admin::error_response(503, "unavailable",
                                 "cloning is not configured (add a [cloning] section)");
  };
  if (!manager) {
    for (auto [method, path] :
         {std::pair<const char*, const char*>{"POST", "/api/v1/cloning/create"},
          {"GET", "/api/v1/cloning/verify/{tenant}"},
          {"GET", "/api/v1/cloning/list"},
          {"GET", "/api/v1/cloning/status/{tenant}"},
          {"POST", "/api/v1/cloning/start/{tenant}"},
          {"POST", "/api/v1/cloning/stop/{tenant}"},
          {"DELETE", "/api/v1/cloning/remove/{tenant}"},
          {"GET", "/api/v1/cloning/ports"},
          {"GET", "/api/v1/cloning/system/status"}})
      router.add_sync(method, path, AdminRole::admin, off);
    return;
  }
  TenantManager& m = *manager;
  router.add("POST", "/api/v1/cloning/create", AdminRole::admin,
             [&m](Request& req) -> net::awaitable<Response> {
               auto parsed = parse_create(req);
               if (!parsed) co_return admin::bad_request(parsed.error());
               if (!req.principal.may_access_tenant(parsed->tenant_id))
                 co_return admin::error_response(403, "forbidden",
                                                 "token \"" + req.principal.name +
                                                     "\" is scoped to tenant \"" +
                                                     req.principal.tenant + "\"");
               // The work captures by reference what lives in this frame: a
               // closure owning strings, handed through co_spawn, was freed
               // wrongly (ASan bad-free with g++ 12 under concurrent creates).
               CreateRequest c = std::move(*parsed);
               auto made = co_await admin::run_on(cloning_pool(), [&m, &c] { return m.create(c); });
               co_return answer(made, created_json, 201);
             });
  router.add("GET", "/api/v1/cloning/verify/{tenant}", AdminRole::admin,
             [&m](Request& req) -> net::awaitable<Response> {
               std::string id = req.params["tenant"];
               auto report =
                   co_await admin::run_on(cloning_pool(), [&m, &id] { return m.verify(id); });
               co_return answer(report, verify_json);
             });
  router.add_sync("GET", "/api/v1/cloning/list", AdminRole::admin, [&m](Request& req) {
    json clones = json::array();
    for (const auto& r : visible(m, req, flag(req, "all")))
      clones.push_back(clone_json(r, m.serving(r.id)));
    return admin::json_response({{"clones", clones}, {"total", clones.size()}});
  });
  router.add_sync("GET", "/api/v1/cloning/status/{tenant}", AdminRole::admin, [&m](Request& req) {
    auto r = m.find(req.params["tenant"]);
    if (!r || r->state == TenantState::removed)
      return admin::error_response(404, "not_found", "no tenant " + req.params["tenant"]);
    return admin::json_response(clone_json(*r, m.serving(r->id)));
  });
  for (auto [path, start] : {std::pair<const char*, bool>{"/api/v1/cloning/start/{tenant}", true},
                             {"/api/v1/cloning/stop/{tenant}", false}})
    router.add("POST", path, AdminRole::admin,
               [&m, start = start](Request& req) -> net::awaitable<Response> {
                 std::string id = req.params["tenant"];
                 bool starting = start;
                 auto done = co_await admin::run_on(cloning_pool(), [&m, &id, &starting] {
                   return starting ? m.start_tenant(id) : m.stop_tenant(id);
                 });
                 co_return answer(done, [&m](const TenantRecord& r) {
                   return json{{"success", true}, {"clone", clone_json(r, m.serving(r.id))}};
                 });
               });
  router.add("DELETE", "/api/v1/cloning/remove/{tenant}", AdminRole::admin,
             [&m](Request& req) -> net::awaitable<Response> {
               std::string id = req.params["tenant"];
               bool force = flag(req, "force");
               auto done = co_await admin::run_on(
                   cloning_pool(), [&m, &id, &force] { return m.remove(id, force); });
               co_return answer(done, [](const TenantRecord& r) {
                 return json{{"success", true},
                             {"message", "tenant " + r.id + " removed; port " +
                                             std::to_string(r.port) + " released"},
                             {"clone", clone_json(r, false)}};
               });
             });
  router.add_sync("GET", "/api/v1/cloning/ports", AdminRole::admin, [&m](Request& req) {
    return admin::json_response(ports_json(visible(m, req, true), m.config().ports));
  });
  router.add_sync("GET", "/api/v1/cloning/system/status", AdminRole::admin, [&m](Request& req) {
    auto records = visible(m, req, true);
    std::size_t serving = 0;
    for (const auto& r : records) serving += m.serving(r.id) ? 1 : 0;
    return admin::json_response(system_status_json(records, m.config(), serving));
  });
}

}  // namespace sw::tenants
