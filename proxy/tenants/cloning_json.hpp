#pragma once
// The JSON the cloning API answers with (shapes of seed 003's examples).
// Never a password, except the one create returns once.
#include <nlohmann/json.hpp>

#include "proxy/tenants/tenant_manager.hpp"

namespace sw::tenants {

nlohmann::json clone_json(const TenantRecord& r, bool serving);
nlohmann::json created_json(const Created& c);
nlohmann::json verify_json(const VerifyReport& v);
nlohmann::json ports_json(const std::vector<TenantRecord>& records, const PortPlan& plan);
nlohmann::json system_status_json(const std::vector<TenantRecord>& records,
                                  const CloningConfig& config, std::size_t serving);

}  // namespace sw::tenants
