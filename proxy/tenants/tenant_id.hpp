#pragma once
// Tenant ids (seed 003: `tenant_001`, `alpha_test_001`, `new_tenant_123`)
// and the backend names derived from them. An id is spliced into SQL
// identifiers and user names on two engines, so it is kept to what both
// accept unquoted and unchanged by case folding: 1–25 characters of a–z,
// 0–9 and `_`, starting with a letter or digit. 25 keeps the backend user
// `tenant_{id}` within MySQL's 32-character limit.
#include <string>
#include <string_view>

#include "proxy/core/result.hpp"

namespace sw::tenants {

inline constexpr std::size_t kMaxTenantIdLength = 25;

enum class Engine { mysql, postgresql };
const char* engine_name(Engine e) noexcept;  // "mysql" | "postgresql"
// "mysql", "mariadb" → mysql; "postgresql", "postgres" → postgresql.
Result<Engine> parse_engine(std::string_view name);

// Ok, or invalid_argument with the rule the id breaks.
Status validate_tenant_id(std::string_view id);

// tenant_{id}_db (seed 003's database name).
std::string tenant_database(std::string_view id);
// The backend role / account the tenant's clients reach the clone as; also
// the tenant's user name on the proxy.
std::string tenant_user(std::string_view id);

}  // namespace sw::tenants
