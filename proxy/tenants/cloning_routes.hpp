#pragma once
// Seed 003's REST paths on the admin server (admin role; a token scoped to
// a tenant sees and acts on that tenant only):
//   POST   /api/v1/cloning/create          {tenant_id, db_type|database_type, root_version}
//   GET    /api/v1/cloning/verify/{tenant}
//   GET    /api/v1/cloning/list            (?all=true: removed ones too)
//   GET    /api/v1/cloning/status/{tenant}
//   POST   /api/v1/cloning/start/{tenant}
//   POST   /api/v1/cloning/stop/{tenant}
//   DELETE /api/v1/cloning/remove/{tenant} (?force=true)
//   GET    /api/v1/cloning/ports
//   GET    /api/v1/cloning/system/status
// `manager` null: cloning is not configured, every path answers 503.
#include "proxy/admin/router.hpp"
#include "proxy/tenants/tenant_manager.hpp"

namespace sw::tenants {

void add_cloning_routes(admin::Router& router, TenantManager* manager);

}  // namespace sw::tenants
