#include "collector/api_key.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>

#include <fmt/format.h>

namespace sw::collector {

namespace {

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

}  // namespace

Result<std::string> generate_api_key(std::uint64_t collector_id) {
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
    return make_error(Errc::internal, "the system random generator failed");
  return fmt::format("collector_{}_{}", collector_id, hex(random.data(), random.size()));
}

std::string hash_api_key(std::string_view key) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> d{};
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), d.data());
  return hex(d.data(), d.size());
}

bool api_key_matches(std::string_view key, std::string_view stored_hash) {
  std::string presented = hash_api_key(key);
  if (stored_hash.size() != presented.size()) return false;
  return CRYPTO_memcmp(presented.data(), stored_hash.data(), presented.size()) == 0;
}

}  // namespace sw::collector
