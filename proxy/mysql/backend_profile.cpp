#include "proxy/mysql/backend_profile.hpp"

#include "proxy/mysql/codec/constants.hpp"

namespace sw::mysql {

bool BackendProfile::mariadb() const noexcept {
  return server_version.find("MariaDB") != std::string::npos;
}

BackendProfiles& BackendProfiles::instance() {
  static BackendProfiles profiles;
  return profiles;
}

void BackendProfiles::remember(const Endpoint& backend, const Greeting& greeting) {
  BackendProfile p{greeting.server_version, greeting.capabilities, greeting.ext_capabilities,
                   greeting.charset, greeting.status};
  std::lock_guard lock(mutex_);
  by_backend_[backend.to_string()] = std::move(p);
}

std::optional<BackendProfile> BackendProfiles::find(const Endpoint& backend) const {
  std::lock_guard lock(mutex_);
  auto it = by_backend_.find(backend.to_string());
  if (it == by_backend_.end()) return std::nullopt;
  return it->second;
}

std::uint32_t advertised_capabilities(std::uint32_t backend_caps, bool tls_offered) noexcept {
  std::uint32_t caps = (cap::proxy_supported & backend_caps) | cap::protocol_41 |
                       cap::secure_connection | cap::plugin_auth | cap::plugin_auth_lenenc_data |
                       cap::connect_with_db | cap::connect_attrs;
  if (tls_offered) caps |= cap::ssl;
  return caps;
}

std::uint32_t advertised_ext_capabilities(std::uint32_t backend_ext) noexcept {
  return backend_ext & ext_cap::proxy_supported;
}

}  // namespace sw::mysql
