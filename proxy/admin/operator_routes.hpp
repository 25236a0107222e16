#pragma once
// The operator API: /metrics, the PgBouncer-style SHOW views under
// /api/v1 (clients, servers, pools, stats, config, profiles) and the
// actions (reload, client kill, pool pause/resume, shutdown).
#include "proxy/admin/operations.hpp"
#include "proxy/admin/router.hpp"
#include "proxy/core/live_config.hpp"

namespace sw::admin {

void add_operator_routes(Router& router, LiveConfig& config, Operations operations);

}  // namespace sw::admin
