#pragma once
// The receiving side of seed 001's collector protocol on the admin server
// (issue 17); the state lives in collector/registry.hpp, this is the glue:
//   POST /api/v1/collectors/register          admin   {name, type, team_id, config, …} → id,
//   api_key GET  /api/v1/collectors                   read    every collector, ONLINE/OFFLINE GET
//   /api/v1/collectors/{id}              read    one collector POST
//   /api/v1/collectors/{id}/commands     admin   {"command": "stop", "payload": {…}} GET
//   /api/v1/collectors/{id}/queries      read    received queries by fingerprint (?sort=&limit=)
//   POST /api/v1/collectors/{id}/heartbeat    key     {"stats": {…}, "ack": N} → pending commands
//   POST /api/v1/collectors/{id}/queries      key     a batch (collector/batch.hpp), idempotent
// "key" routes authenticate with the collector's own API key in the
// X-Collector-API-Key header (as seed 001's backend does), not with an
// admin token. Writes fsync, so they run off the workers.
#include "collector/registry.hpp"
#include "proxy/admin/router.hpp"

namespace sw::admin {

void add_collector_routes(Router& router, collector::Registry& registry);

}  // namespace sw::admin
