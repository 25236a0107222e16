#include "proxy/mysql/client_auth.hpp"

#include <algorithm>

#include "proxy/mysql/codec/auth.hpp"

namespace sw::mysql {

const UserConfig* find_user_for_tenant(const Config& config, const TenantConfig& tenant,
                                       std::string_view name) {
  const UserConfig* user = config.find_user(name);
  if (!user) return nullptr;
  if (!user->tenants.empty() &&
      std::find(user->tenants.begin(), user->tenants.end(), tenant.name) == user->tenants.end())
    return nullptr;
  return user;
}

namespace {
// Passwords stored as a SCRAM verifier cannot answer a MySQL scramble.
bool plain(const UserConfig& user) {
  return user.password.reveal().rfind("SCRAM-SHA-256$", 0) != 0;
}
}  // namespace

bool verify_scramble_answer(const UserConfig& user, std::string_view plugin,
                            std::string_view scramble, std::string_view response) {
  if (!plain(user)) return false;
  const std::string& pw = user.password.reveal();
  if (plugin == native_password_plugin)
    return auth_response_matches(native_password_response(pw, scramble), response);
  if (plugin == caching_sha2_plugin)
    return auth_response_matches(caching_sha2_response(pw, scramble), response);
  return false;
}

bool verify_clear_password(const UserConfig& user, std::string_view password) {
  if (!plain(user)) return false;
  return auth_response_matches(user.password.reveal(), password);
}

AuthenticatedUser describe_user(const UserConfig& user, const TenantConfig& tenant) {
  AuthenticatedUser a;
  a.user = &user;
  a.backend_user = user.backend_user.empty() ? user.name : user.backend_user;
  a.backend_password =
      user.backend_password.empty() ? user.password.reveal() : user.backend_password.reveal();
  a.profile = user.profile.empty() ? tenant.default_profile : user.profile;
  return a;
}

std::string access_denied_message(std::string_view user, std::string_view host,
                                  bool used_password) {
  return "Access denied for user '" + std::string(user) + "'@'" + std::string(host) +
         "' (using password: " + (used_password ? "YES" : "NO") + ")";
}

}  // namespace sw::mysql
