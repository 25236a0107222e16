#pragma once
// Bearer-token authentication for the admin API. Every configured token is
// kept as a SHA-256 digest; a presented token is hashed once and compared
// with every digest in constant time (CRYPTO_memcmp, no early exit across
// tokens), so neither the match position nor a token's prefix leaks through
// timing.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/admin/http_types.hpp"
#include "proxy/core/config.hpp"

namespace sw::admin {

using Digest = std::array<std::uint8_t, 32>;
Digest sha256(std::string_view data);
std::string to_hex(const Digest& d);

enum class AuthFailure { missing, malformed, unknown };

class TokenAuth {
 public:
  explicit TokenAuth(const AdminConfig& config);

  // `authorization` is the raw Authorization header (empty when absent).
  // Returns the principal, or why the request is refused.
  struct Outcome {
    std::optional<Principal> principal;
    AuthFailure failure = AuthFailure::missing;
  };
  Outcome authenticate(std::string_view authorization, bool peer_is_loopback) const;

 private:
  struct Entry {
    Digest digest{};
    Principal principal;
  };
  std::vector<Entry> entries_;
  bool loopback_without_token_ = false;
};

}  // namespace sw::admin
