#include "proxy/mysql/codec/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

namespace sw::mysql {

namespace {

template <std::size_t N>
using Digest = std::array<unsigned char, N>;

template <std::size_t N>
Digest<N> digest(const EVP_MD* md, std::string_view a, std::string_view b = {}) {
  Digest<N> out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  if (!b.empty()) EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

template <std::size_t N>
std::string_view view(const Digest<N>& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

template <std::size_t N>
std::string xor_digests(const Digest<N>& a, const Digest<N>& b) {
  std::string out(N, '\0');
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<char>(a[i] ^ b[i]);
  return out;
}

}  // namespace

std::string make_scramble() {
  std::array<unsigned char, 20> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // RAND_bytes only fails when the CSPRNG cannot be seeded; refuse to
    // hand out a predictable scramble and let authentication fail instead.
    return std::string(20, '\x01');
  }
  std::string out(20, '\0');
  // Printable ASCII like the server's scramble: never a NUL that a client
  // could take for the end of the string.
  for (std::size_t i = 0; i < raw.size(); ++i) out[i] = static_cast<char>(33 + raw[i] % 94);
  return out;
}

std::string native_password_response(std::string_view password, std::string_view scramble) {
  if (password.empty()) return {};
  auto stage1 = digest<20>(EVP_sha1(), password);
  auto stage2 = digest<20>(EVP_sha1(), view(stage1));
  auto mix = digest<20>(EVP_sha1(), scramble.substr(0, 20), view(stage2));
  return xor_digests(stage1, mix);
}

std::string caching_sha2_response(std::string_view password, std::string_view scramble) {
  if (password.empty()) return {};
  auto d1 = digest<32>(EVP_sha256(), password);
  auto d2 = digest<32>(EVP_sha256(), view(d1));
  auto mix = digest<32>(EVP_sha256(), view(d2), scramble.substr(0, 20));
  return xor_digests(d1, mix);
}

std::optional<std::string> parse_native_password_hash(std::string_view stored) {
  if (stored.size() != 41 || stored[0] != '*') return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out(20, '\0');
  for (std::size_t i = 0; i < 20; ++i) {
    int hi = nibble(stored[1 + 2 * i]), lo = nibble(stored[2 + 2 * i]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::optional<std::string> recover_native_stage1(std::string_view stage2, std::string_view scramble,
                                                 std::string_view response) {
  if (stage2.size() != 20 || response.size() != 20) return std::nullopt;
  auto mix = digest<20>(EVP_sha1(), scramble.substr(0, 20), stage2);
  std::string stage1(20, '\0');
  for (std::size_t i = 0; i < 20; ++i)
    stage1[i] = static_cast<char>(static_cast<unsigned char>(response[i]) ^ mix[i]);
  auto check = digest<20>(EVP_sha1(), stage1);
  if (CRYPTO_memcmp(check.data(), stage2.data(), 20) != 0) return std::nullopt;
  return stage1;
}

std::string native_password_response_from_stage1(std::string_view stage1,
                                                 std::string_view scramble) {
  if (stage1.size() != 20) return {};
  auto stage2 = digest<20>(EVP_sha1(), stage1);
  auto mix = digest<20>(EVP_sha1(), scramble.substr(0, 20), view(stage2));
  std::string out(20, '\0');
  for (std::size_t i = 0; i < 20; ++i)
    out[i] = static_cast<char>(static_cast<unsigned char>(stage1[i]) ^ mix[i]);
  return out;
}

bool auth_response_matches(std::string_view expected, std::string_view got) {
  if (expected.size() != got.size()) return false;
  if (expected.empty()) return true;
  return CRYPTO_memcmp(expected.data(), got.data(), expected.size()) == 0;
}

}  // namespace sw::mysql
