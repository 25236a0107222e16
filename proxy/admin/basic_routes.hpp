#pragma once
// GET /health and GET /version: what every deployment probes first.
#include "proxy/admin/router.hpp"
#include "proxy/core/live_config.hpp"

namespace sw::admin {

void add_basic_routes(Router& router, LiveConfig& config);

}  // namespace sw::admin
