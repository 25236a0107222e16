#pragma once
// The proxy's own check of a client's credentials against the configured
// users (no I/O): which user, whether the answer to the proxy's scramble is
// right, and the backend credentials that user maps to.
#include <optional>
#include <string>
#include <string_view>

#include "proxy/core/config.hpp"

namespace sw::mysql {

struct AuthenticatedUser {
  const UserConfig* user = nullptr;
  std::string backend_user;
  std::string backend_password;
  std::string profile;
};

// A [[users]] password may be the server's own mysql_native_password hash
// ("*" + 40 hex digits, as mysql.user shows it): the client is checked
// against it and the backend login uses the SHA1(pw) its answer reveals,
// so the proxy never holds the password itself.
bool has_native_password_hash(const UserConfig& user);

// The configured user `name` if it may use `tenant` (nullptr otherwise).
const UserConfig* find_user_for_tenant(const Config& config, const TenantConfig& tenant,
                                       std::string_view name);

// Checks `response` for `plugin` (mysql_native_password or
// caching_sha2_password fast path) against `scramble`. For a user stored as
// a hash, `native_stage1` receives SHA1(pw) (the backend login's secret).
bool verify_scramble_answer(const UserConfig& user, std::string_view plugin,
                            std::string_view scramble, std::string_view response,
                            std::string* native_stage1 = nullptr);
// caching_sha2_password full authentication: the password in clear (over TLS).
bool verify_clear_password(const UserConfig& user, std::string_view password,
                           std::string* native_stage1 = nullptr);

AuthenticatedUser describe_user(const UserConfig& user, const TenantConfig& tenant);

// "Access denied for user 'x'@'host' (using password: YES)" as the server says it.
std::string access_denied_message(std::string_view user, std::string_view host, bool used_password);

}  // namespace sw::mysql
