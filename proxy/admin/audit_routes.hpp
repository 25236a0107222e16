#pragma once
// The audit trail's readers on the admin server (issue 13):
//   GET  /api/v1/audit?limit=&tenant=&user=&since=   recent records (history ring)
//   GET  /api/v1/queries?sort=total_time|count|p99&limit=   digest statistics
//   GET  /api/v1/slow?since=CURSOR&limit=            slow-query log after a cursor
//   POST /api/v1/queries/reset                       clears the digests (admin)
// A tenant-scoped token sees and resets only its tenant's records. The
// bodies are built in audit/api_json.hpp; this file is the HTTP glue.
#include "audit/trail.hpp"
#include "proxy/admin/router.hpp"

namespace sw::admin {

void add_audit_routes(Router& router, audit::AuditTrail& trail);

}  // namespace sw::admin
