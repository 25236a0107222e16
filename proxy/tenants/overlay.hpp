#pragma once
// Tenants as configuration: the running proxy's snapshot is the file's
// configuration plus, for every active tenant clone, one [[tenants]] entry
// (a listener on the tenant's port that reaches only its clone database),
// one [[users]] entry (the tenant's own login, usable on that tenant only)
// and the tenant profile when the file does not define it. The listener
// set then starts and stops tenant listeners exactly as a reload would.
//
// File users without a `tenants` list would otherwise be valid on every
// tenant, clones included: in the composed snapshot their list names the
// file's tenants, so a tenant port admits nobody but its tenant.
#include <string>
#include <vector>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/tenants/cloning_config.hpp"
#include "proxy/tenants/registry.hpp"

namespace sw::tenants {

// One active tenant as the overlay needs it: its record and its password.
struct TenantLogin {
  const TenantRecord* record = nullptr;
  Secret password;
};

// The file tenant whose backend holds `engine`'s templates.
const TenantConfig* source_tenant(const Config& base, const CloningConfig& cloning, Engine engine);

// `base` + the tenants. Errors when a tenant's engine has no source tenant
// or a name collides with the file's tenants or users.
Result<Config> compose(const Config& base, const CloningConfig& cloning,
                       const std::vector<TenantLogin>& tenants);

// A name the file already uses (tenant or user), so an id would collide.
bool name_taken_by_file(const Config& base, const std::string& id);

}  // namespace sw::tenants
