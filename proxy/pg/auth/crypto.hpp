#pragma once
// The few primitives SCRAM-SHA-256 and md5 authentication need, on OpenSSL.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/core/bytes.hpp"

namespace sw::pg::auth {

using Sha256 = std::array<std::uint8_t, 32>;

Sha256 sha256(ByteSpan data);
Sha256 hmac_sha256(ByteSpan key, ByteSpan data);
Sha256 pbkdf2_sha256(std::string_view password, ByteSpan salt, int iterations);
std::string md5_hex(std::string_view data);
std::string base64_encode(ByteSpan data);
std::optional<Bytes> base64_decode(std::string_view text);
Bytes random_bytes(std::size_t n);
// Constant-time comparison (length is not secret).
bool equal_ct(ByteSpan a, ByteSpan b);

inline ByteSpan span(const Sha256& h) {
  return {h.data(), h.size()};
}

}  // namespace sw::pg::auth
