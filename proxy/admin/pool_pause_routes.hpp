#pragma once
// POST /api/v1/pools/{pool}/pause and /resume: PgBouncer's PAUSE and RESUME.
// {pool} names a tenant (every pool of it), a listener as /api/v1/pools
// lists it ("default/postgres", percent-encoded: default%2Fpostgres), or one
// backend pool by its full name; "*" is every pool. A pause holds new
// transactions and answers once the running ones have ended (200,
// "complete": true) or after `wait_ms` (default 30000) with the pause in
// force and the transactions still running (202, "complete": false).
#include "proxy/admin/router.hpp"
#include "proxy/core/live_config.hpp"

namespace sw::admin {

void add_pool_pause_routes(Router& router, LiveConfig& config);

}  // namespace sw::admin
