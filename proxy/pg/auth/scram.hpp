#pragma once
// SCRAM-SHA-256 (RFC 5802 / RFC 7677) as PostgreSQL uses it, both roles, as
// sans-I/O state machines: the drivers move the strings in SASL messages.
// The server side supports SCRAM-SHA-256-PLUS with tls-server-end-point
// channel binding (RFC 5929) when the driver passes the binding data.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"
#include "proxy/pg/auth/crypto.hpp"

namespace sw::pg::auth {

constexpr std::string_view kScramSha256 = "SCRAM-SHA-256";
constexpr std::string_view kScramSha256Plus = "SCRAM-SHA-256-PLUS";
constexpr int kDefaultScramIterations = 4096;

// What the server stores: PostgreSQL's "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>".
struct ScramVerifier {
  int iterations = kDefaultScramIterations;
  Bytes salt;
  Sha256 stored_key{};
  Sha256 server_key{};

  static std::optional<ScramVerifier> parse(std::string_view text);
  static ScramVerifier from_password(std::string_view password, ByteSpan salt,
                                     int iterations = kDefaultScramIterations);
  std::string to_string() const;
};

// A SCRAM password-equivalent: ClientKey, recovered from a client's proof
// (ClientKey = ClientProof XOR ClientSignature, PgBouncer's method), and
// ServerKey from the stored verifier. With both, the proxy can run the
// client side of the backend's own SCRAM exchange for that role without
// ever knowing the password — as long as the backend stores the same
// verifier (same salt and iterations) the client was checked against.
struct ScramKeys {
  Sha256 client_key{};
  Sha256 server_key{};
};

class ScramServer {
 public:
  // `verifier` empty: an unknown user; the exchange runs with made-up
  // values and fails at the proof, so user names cannot be probed.
  // `channel_binding`: the tls-server-end-point data of this TLS connection;
  // when set, the driver offers SCRAM-SHA-256-PLUS as well.
  explicit ScramServer(std::optional<ScramVerifier> verifier,
                       std::optional<Bytes> channel_binding = std::nullopt);

  // client-first-message -> server-first-message. `plus`: the client chose
  // SCRAM-SHA-256-PLUS.
  Result<std::string> on_client_first(std::string_view message, bool plus = false);
  // client-final-message -> server-final-message; Errc::auth_failed on a wrong proof.
  Result<std::string> on_client_final(std::string_view message);
  // After a successful on_client_final: the keys that log in as this role.
  const std::optional<ScramKeys>& recovered_keys() const noexcept { return recovered_; }

 private:
  std::optional<ScramVerifier> verifier_;
  std::optional<Bytes> channel_binding_;
  ScramVerifier mock_;
  std::string gs2_header_;
  std::string expected_cbind_;  // base64(gs2 header + binding data)
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;  // client nonce + server nonce
  std::optional<ScramKeys> recovered_;
};

// SaltedPassword values already computed, keyed by password, salt and
// iteration count. A backend role's salt never changes, so a proxy that
// logs in as the same role again skips PBKDF2 (thousands of HMACs). One
// per worker: not thread-safe.
class SaltedPasswordCache {
 public:
  Sha256 get(std::string_view password, ByteSpan salt, int iterations);

 private:
  std::unordered_map<std::string, Sha256> entries_;
};

class ScramClient {
 public:
  // PostgreSQL ignores the SCRAM user name (the startup packet names the
  // user), so it is empty unless a test needs RFC 7677's exact exchange.
  explicit ScramClient(std::string password, std::string user = "");
  // Without the password: the keys recovered from a client's own login.
  explicit ScramClient(const ScramKeys& keys);
  std::string client_first();
  // server-first-message -> client-final-message.
  Result<std::string> on_server_first(std::string_view message);
  // Checks the server's signature (mutual authentication).
  Status on_server_final(std::string_view message);

  // Optional; must outlive the exchange.
  void set_cache(SaltedPasswordCache* cache) { cache_ = cache; }
  // For tests: fix the client nonce.
  void set_nonce(std::string nonce) { client_nonce_ = std::move(nonce); }

 private:
  std::string password_;
  std::optional<ScramKeys> keys_;
  std::string user_;
  std::string client_nonce_;
  std::string client_first_bare_;
  std::string expected_server_signature_;
  SaltedPasswordCache* cache_ = nullptr;
};

}  // namespace sw::pg::auth
