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

bool has_native_password_hash(const UserConfig& user) {
  return parse_native_password_hash(user.password.reveal()).has_value();
}

namespace {
// Passwords stored as a SCRAM verifier or a native hash are no passwords.
bool plain(const UserConfig& user) {
  return user.password.reveal().rfind("SCRAM-SHA-256$", 0) != 0 && !has_native_password_hash(user);
}
}  // namespace

bool verify_scramble_answer(const UserConfig& user, std::string_view plugin,
                            std::string_view scramble, std::string_view response,
                            std::string* native_stage1) {
  if (auto stage2 = parse_native_password_hash(user.password.reveal())) {
    if (plugin != native_password_plugin) return false;
    auto stage1 = recover_native_stage1(*stage2, scramble, response);
    if (!stage1) return false;
    if (native_stage1) *native_stage1 = std::move(*stage1);
    return true;
  }
  if (!plain(user)) return false;
  const std::string& pw = user.password.reveal();
  if (plugin == native_password_plugin)
    return auth_response_matches(native_password_response(pw, scramble), response);
  if (plugin == caching_sha2_plugin)
    return auth_response_matches(caching_sha2_response(pw, scramble), response);
  return false;
}

bool verify_clear_password(const UserConfig& user, std::string_view password,
                           std::string* native_stage1) {
  if (auto stage2 = parse_native_password_hash(user.password.reveal())) {
    // The answer a client would give to an all-zero scramble, checked the
    // same way: one code path for both kinds of proof.
    const std::string zero(20, '\0');
    return verify_scramble_answer(user, native_password_plugin, zero,
                                  native_password_response(password, zero), native_stage1);
  }
  if (!plain(user)) return false;
  return auth_response_matches(user.password.reveal(), password);
}

AuthenticatedUser describe_user(const UserConfig& user, const TenantConfig& tenant) {
  AuthenticatedUser a;
  a.user = &user;
  a.backend_user = user.backend_user.empty() ? user.name : user.backend_user;
  // A hash is no password: such a user logs in with the SHA1(pw) recovered
  // at authentication (ClientSession keeps it) unless backend_password says.
  a.backend_password = !user.backend_password.empty() ? user.backend_password.reveal()
                       : plain(user)                  ? user.password.reveal()
                                                      : std::string();
  a.profile = user.profile.empty() ? tenant.default_profile : user.profile;
  return a;
}

std::string access_denied_message(std::string_view user, std::string_view host,
                                  bool used_password) {
  return "Access denied for user '" + std::string(user) + "'@'" + std::string(host) +
         "' (using password: " + (used_password ? "YES" : "NO") + ")";
}

}  // namespace sw::mysql
