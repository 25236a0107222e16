#include "proxy/core/config.hpp"

namespace sw {

const char* protocol_name(Protocol p) noexcept {
  return p == Protocol::postgres ? "postgres" : "mysql";
}

const char* pool_mode_name(PoolMode m) noexcept {
  switch (m) {
    case PoolMode::session:
      return "session";
    case PoolMode::transaction:
      return "transaction";
    case PoolMode::statement:
      return "statement";
  }
  return "session";
}

const UserConfig* Config::find_user(std::string_view name) const {
  for (const auto& u : users)
    if (u.name == name) return &u;
  return nullptr;
}

const TenantConfig* Config::find_tenant(std::string_view name) const {
  for (const auto& t : tenants)
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace sw
