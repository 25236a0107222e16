#pragma once
// Collector API keys. A key looks like seed 001's example,
// "collector_<id>_<64 hex digits>" (256 random bits from OpenSSL); the
// registry keeps only its SHA-256 and compares digests in constant time.
#include <cstdint>
#include <string>
#include <string_view>

#include "proxy/core/result.hpp"

namespace sw::collector {

Result<std::string> generate_api_key(std::uint64_t collector_id);
// Lower-case hex SHA-256 of `key`.
std::string hash_api_key(std::string_view key);
// True when `key` hashes to `stored_hash` (constant time in the digest).
bool api_key_matches(std::string_view key, std::string_view stored_hash);

}  // namespace sw::collector
