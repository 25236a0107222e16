#pragma once
// GET / (the dashboard page, public: it holds no data and asks for a token
// when the API needs one) and GET /api/v1/endpoints (the route table, so the
// page and other clients call only what this proxy serves).
#include <string_view>

#include "proxy/admin/router.hpp"

namespace sw::admin {

void add_dashboard_routes(Router& router);

// dashboard.html, embedded at build time (dashboard_page.cpp.in).
std::string_view dashboard_html();

}  // namespace sw::admin
