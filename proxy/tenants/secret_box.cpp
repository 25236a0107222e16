#include "proxy/tenants/secret_box.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace sw::tenants {
namespace {

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kNonceBytes = 12;
constexpr std::size_t kTagBytes = 16;
constexpr std::string_view kPrefix = "v1:";

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0)
    return make_error(Errc::invalid_argument, "sealed secret: bad encoding");
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return make_error(Errc::invalid_argument, "sealed secret: bad encoding");
  std::size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

Result<std::string> read_key(int fd, const std::string& path) {
  std::string key(kKeyBytes + 1, '\0');
  ssize_t n = ::read(fd, key.data(), key.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(kKeyBytes))
    return make_error(Errc::config, path + ": expected exactly 32 bytes of key");
  key.resize(kKeyBytes);
  return key;
}

}  // namespace

Result<SecretBox> SecretBox::open_or_create(const std::string& key_path) {
  int fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    auto key = read_key(fd, key_path);
    if (!key) return key.error();
    return SecretBox(std::move(*key));
  }
  std::string key(kKeyBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), kKeyBytes) != 1)
    return make_error(Errc::internal, "no random bytes for the tenant key");
  fd = ::open(key_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    // Another process created it between our open and ours: read theirs.
    fd = ::open(key_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(Errc::io, "cannot create " + key_path);
    auto theirs = read_key(fd, key_path);
    if (!theirs) return theirs.error();
    return SecretBox(std::move(*theirs));
  }
  bool ok =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return make_error(Errc::io, "cannot write " + key_path);
  return SecretBox(std::move(key));
}

Result<std::string> SecretBox::seal(const Secret& plain) const {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) != 1)
    return make_error(Errc::internal, "no random bytes for a nonce");
  Ctx ctx(EVP_CIPHER_CTX_new());
  const std::string& in = plain.reveal();
  std::string out = nonce;
  out.resize(kNonceBytes + in.size() + kTagBytes);
  auto* dst = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  int len = 0, fin = 0;
  bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()),
                         reinterpret_cast<const unsigned char*>(nonce.data())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), dst, &len, reinterpret_cast<const unsigned char*>(in.data()),
                        static_cast<int>(in.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), dst + len, &fin) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, dst + len + fin) == 1;
  if (!ok) return make_error(Errc::internal, "sealing a secret failed");
  return std::string(kPrefix) + base64(out);
}

Result<Secret> SecretBox::open(std::string_view sealed) const {
  if (sealed.substr(0, kPrefix.size()) != kPrefix)
    return make_error(Errc::invalid_argument, "sealed secret: unknown format");
  auto raw = unbase64(sealed.substr(kPrefix.size()));
  if (!raw) return raw.error();
  if (raw->size() < kNonceBytes + kTagBytes)
    return make_error(Errc::invalid_argument, "sealed secret: too short");
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  std::size_t body = raw->size() - kNonceBytes - kTagBytes;
  std::string plain(body, '\0');
  std::array<unsigned char, kTagBytes> tag{};
  std::copy(bytes + kNonceBytes + body, bytes + raw->size(), tag.begin());
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0, fin = 0;
  auto* dst = reinterpret_cast<unsigned char*>(plain.data());
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr,
                         reinterpret_cast<const unsigned char*>(key_.data()), bytes) == 1 &&
      EVP_DecryptUpdate(ctx.get(), dst, &len, bytes + kNonceBytes, static_cast<int>(body)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), dst + len, &fin) == 1;
  if (!ok)
    return make_error(Errc::auth_failed,
                      "sealed secret does not open with this key (wrong key file?)");
  return Secret(std::move(plain));
}

Result<Secret> generate_password(std::size_t length) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";  // 62
  std::string out;
  out.reserve(length);
  std::array<unsigned char, 64> buf{};
  while (out.size() < length) {
    if (RAND_bytes(buf.data(), buf.size()) != 1)
      return make_error(Errc::internal, "no random bytes for a password");
    for (unsigned char b : buf) {
      if (b >= 248) continue;  // 248 = 4 * 62: keeps the choice uniform
      out.push_back(kAlphabet[b % kAlphabet.size()]);
      if (out.size() == length) break;
    }
  }
  return Secret(std::move(out));
}

}  // namespace sw::tenants
