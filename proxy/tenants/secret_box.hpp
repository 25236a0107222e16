#pragma once
// Tenant passwords at rest: AES-256-GCM under a key file in the state
// directory (created 0600 with 32 random bytes on first use). The registry
// holds only the sealed form; the proxy opens it at start to log the
// tenant in to its backend, and `verify` opens it to connect as the tenant.
// Whoever can read the key file can read the passwords: keep the state
// directory private (docs/tenants.md).
#include <string>
#include <string_view>

#include "proxy/core/result.hpp"
#include "proxy/core/secret.hpp"

namespace sw::tenants {

class SecretBox {
 public:
  // Reads `key_path`, or creates it (0600, O_EXCL) when it does not exist.
  static Result<SecretBox> open_or_create(const std::string& key_path);
  // For tests: a box with a given 32-byte key.
  static SecretBox with_key(std::string key) { return SecretBox(std::move(key)); }

  // "v1:" + base64(nonce 12 | ciphertext | tag 16).
  Result<std::string> seal(const Secret& plain) const;
  Result<Secret> open(std::string_view sealed) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// A password of `length` characters from [A-Za-z0-9] (OpenSSL's RAND_bytes,
// rejection-sampled so every character is equally likely).
Result<Secret> generate_password(std::size_t length = 32);

}  // namespace sw::tenants
