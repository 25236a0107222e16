#include "proxy/admin/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace sw::admin {

Digest sha256(std::string_view data) {
  Digest d{};
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data());
  return d;
}

std::string to_hex(const Digest& d) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (auto b : d) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

namespace {

std::optional<Digest> from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  Digest d{};
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    d[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return d;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

TokenAuth::TokenAuth(const AdminConfig& config)
    : loopback_without_token_(config.allow_loopback_without_token) {
  for (const auto& tok : config.tokens) {
    Entry e;
    if (!tok.token.empty()) {
      e.digest = sha256(tok.token.reveal());
    } else if (auto d = from_hex(tok.sha256)) {
      e.digest = *d;
    } else {
      continue;  // the loader rejects this; never match an unusable entry
    }
    e.principal = Principal{tok.name, tok.role, tok.tenant};
    entries_.push_back(std::move(e));
  }
}

TokenAuth::Outcome TokenAuth::authenticate(std::string_view authorization,
                                           bool peer_is_loopback) const {
  Outcome out;
  if (authorization.empty()) {
    if (peer_is_loopback && loopback_without_token_)
      out.principal = Principal{"loopback", AdminRole::admin, ""};
    out.failure = AuthFailure::missing;
    return out;
  }
  auto space = authorization.find(' ');
  if (space == std::string_view::npos || !iequals(authorization.substr(0, space), "bearer")) {
    out.failure = AuthFailure::malformed;
    return out;
  }
  std::string_view token = authorization.substr(space + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) {
    out.failure = AuthFailure::malformed;
    return out;
  }
  Digest presented = sha256(token);
  const Entry* found = nullptr;
  for (const auto& e : entries_) {
    // Every entry is compared; the branch below only picks the first match.
    bool equal = CRYPTO_memcmp(e.digest.data(), presented.data(), presented.size()) == 0;
    if (equal && !found) found = &e;
  }
  if (found) {
    out.principal = found->principal;
  } else {
    out.failure = AuthFailure::unknown;
  }
  return out;
}

}  // namespace sw::admin
