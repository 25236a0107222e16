#pragma once
// The configuration snapshot as JSON for /api/v1/config and
// /api/v1/profiles. Passwords and tokens are never included: a secret shows
// as "********" (set) or "" (unset).
#include <nlohmann/json.hpp>

#include "proxy/core/config.hpp"

namespace sw::admin {

nlohmann::json config_json(const Config& config);
nlohmann::json profiles_json(const Config& config);

}  // namespace sw::admin
