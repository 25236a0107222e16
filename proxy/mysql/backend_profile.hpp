#pragma once
// What the proxy tells MySQL clients about "the server" before any backend
// connection is taken: version, capabilities, charset and status as the
// backend last announced them in its handshake. Process-wide (every worker
// greets with the same facts), refreshed by each backend greeting the
// proxy reads, so a backend upgrade shows after the next backend login.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "proxy/core/config.hpp"
#include "proxy/mysql/codec/handshake.hpp"

namespace sw::mysql {

struct BackendProfile {
  std::string server_version;
  std::uint32_t capabilities = 0;
  std::uint32_t ext_capabilities = 0;  // MariaDB's (ext_cap)
  std::uint8_t charset = 0;
  std::uint16_t status = 0;
  bool mariadb() const noexcept;
};

class BackendProfiles {
 public:
  static BackendProfiles& instance();

  void remember(const Endpoint& backend, const Greeting& greeting);
  std::optional<BackendProfile> find(const Endpoint& backend) const;

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, BackendProfile> by_backend_;  // key: host:port
};

// The capabilities the proxy's own greeting advertises for a backend that
// offers `backend_caps`: what the proxy relays faithfully and the backend
// offers, plus what the proxy's own login needs. CLIENT_MYSQL (bit 0) is
// mirrored, so MariaDB clients recognise a MariaDB server.
std::uint32_t advertised_capabilities(std::uint32_t backend_caps, bool tls_offered) noexcept;
// MariaDB's extended capabilities advertised for a backend that offers
// `backend_ext` (ext_cap::proxy_supported of them).
std::uint32_t advertised_ext_capabilities(std::uint32_t backend_ext) noexcept;

}  // namespace sw::mysql
