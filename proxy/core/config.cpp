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

const ProfileConfig* Config::find_profile(std::string_view name) const {
  for (const auto& p : profiles)
    if (p.name == name) return &p;
  return nullptr;
}

std::string_view Config::profile_for(const UserConfig* user, const TenantConfig* tenant) const {
  if (user && !user->profile.empty()) return user->profile;
  if (tenant) return tenant->default_profile;
  return {};
}

const char* admin_role_name(AdminRole r) noexcept {
  switch (r) {
    case AdminRole::read:
      return "read";
    case AdminRole::tools:
      return "tools";
    case AdminRole::admin:
      return "admin";
  }
  return "read";
}

bool is_builtin_profile(std::string_view name) noexcept {
  for (auto b : kBuiltinProfiles)
    if (b == name) return true;
  return false;
}

bool is_allow_all_override(const ProfileConfig& p) noexcept {
  return p.name == "allow_all" && p.local_infile && !p.allowed_kinds && !p.denied_functions &&
         !p.allowed_tables && !p.denied_tables && !p.max_length && !p.max_statements &&
         !p.allow_writes && !p.allow_cross_database;
}

}  // namespace sw
