#include "proxy/admin/dashboard_routes.hpp"

namespace sw::admin {

void add_dashboard_routes(Router& router) {
  router.add_public("GET", "/", [](Request&) {
    auto r = text_response(std::string(dashboard_html()), "text/html; charset=utf-8");
    // Everything is inline; the page talks only to this server.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'unsafe-inline'; style-src "
                           "'unsafe-inline'; img-src data:; connect-src 'self'; "
                           "frame-ancestors 'none'");
    return r;
  });
  router.add_sync("GET", "/api/v1/endpoints", AdminRole::read, [&router](Request&) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& route : router.routes())
      list.push_back({{"method", route.method},
                      {"path", route.pattern},
                      {"role", route.is_public  ? "public"
                               : route.own_auth ? "collector key"
                                                : admin_role_name(route.role)}});
    return json_response({{"endpoints", list}});
  });
}

}  // namespace sw::admin
