#include "proxy/admin/audit_routes.hpp"

#include "audit/api_json.hpp"

namespace sw::admin {

namespace {

Response answer(Result<std::string> body) {
  if (body) return text_response(std::move(*body), "application/json");
  if (body.error().code == Errc::not_found)
    return error_response(404, "not_found", body.error().message);
  return bad_request(body.error());
}

}  // namespace

void add_audit_routes(Router& router, audit::AuditTrail& trail) {
  router.add_sync("GET", "/api/v1/audit", AdminRole::read, [&trail](Request& req) {
    return answer(audit::api::audit_json(trail,
                                         {req.query_param("limit"), req.query_param("tenant"),
                                          req.query_param("user"), req.query_param("since")},
                                         req.principal.tenant));
  });
  router.add_sync("GET", "/api/v1/queries", AdminRole::read, [&trail](Request& req) {
    return answer(audit::api::queries_json(
        trail, {req.query_param("sort"), req.query_param("limit")}, req.principal.tenant));
  });
  router.add_sync("GET", "/api/v1/slow", AdminRole::read, [&trail](Request& req) {
    return answer(audit::api::slow_json(trail, {req.query_param("since"), req.query_param("limit")},
                                        req.principal.tenant));
  });
  router.add_sync("POST", "/api/v1/queries/reset", AdminRole::admin, [&trail](Request& req) {
    return text_response(audit::api::reset_json(trail, req.principal.tenant), "application/json");
  });
}

}  // namespace sw::admin
