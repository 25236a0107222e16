#pragma once
// The bodies of the admin endpoints over the audit trail, as JSON text, so
// the admin routes (proxy/admin) are thin glue and the shapes are tested
// here without an HTTP server:
//   GET  /api/v1/audit?limit=&tenant=&user=&since=   → audit_json
//   GET  /api/v1/queries?sort=total_time|count|p99&limit= → queries_json
//   GET  /api/v1/slow?since=CURSOR&limit=            → slow_json
//   POST /api/v1/queries/reset                       → reset_json
// `scope` is the caller's tenant scope ("" = every tenant): a scoped token
// never sees another tenant's records, digests or slow statements.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "audit/digests.hpp"
#include "audit/trail.hpp"
#include "proxy/core/result.hpp"

namespace sw::audit::api {

// Query parameters as the admin Request hands them over (nullopt = absent).
struct AuditParams {
  std::optional<std::string> limit, tenant, user, since;
};
Result<std::string> audit_json(const AuditTrail& trail, const AuditParams& p,
                               std::string_view scope);

struct QueriesParams {
  std::optional<std::string> sort, limit;
};
Result<std::string> queries_json(const AuditTrail& trail, const QueriesParams& p,
                                 std::string_view scope);

// One digest as the queries endpoint shows it (a JSON object appended to
// `out`): the collector API serves its aggregates in the same shape.
void append_digest_row(const DigestRow& d, std::string& out);
// ?sort= of a digest listing: total_time (default), count or p99.
Result<DigestSort> digest_sort(const std::optional<std::string>& text);

struct SlowParams {
  std::optional<std::string> since, limit;
};
Result<std::string> slow_json(const AuditTrail& trail, const SlowParams& p, std::string_view scope);

// Resets the digests of `scope` ("" = all); returns {"reset": N}.
std::string reset_json(AuditTrail& trail, std::string_view scope);

}  // namespace sw::audit::api
