#include "proxy/pg/auth/scram.hpp"

#include <charconv>

namespace sw::pg::auth {

namespace {

constexpr int kMaxIterations = 10'000'000;

Error bad(std::string_view what) {
  return make_error(Errc::protocol_violation, "malformed SCRAM message: " + std::string(what));
}

std::string nonce() {
  return base64_encode(random_bytes(18));
}

// Value of "k=value" attribute `key` in a comma-separated SCRAM message.
std::optional<std::string_view> attribute(std::string_view message, char key) {
  std::size_t pos = 0;
  while (pos <= message.size()) {
    std::size_t end = message.find(',', pos);
    if (end == std::string_view::npos) end = message.size();
    std::string_view part = message.substr(pos, end - pos);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return part.substr(2);
    pos = end + 1;
  }
  return std::nullopt;
}

Sha256 xor_bytes(const Sha256& a, const Sha256& b) {
  Sha256 out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}

bool printable_nonce(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (c < 0x21 || c > 0x7e || c == ',') return false;
  return true;
}

}  // namespace

std::optional<ScramVerifier> ScramVerifier::parse(std::string_view text) {
  // SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
  constexpr std::string_view prefix = "SCRAM-SHA-256$";
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  text.remove_prefix(prefix.size());
  auto colon1 = text.find(':');
  auto dollar = text.find('$');
  if (colon1 == std::string_view::npos || dollar == std::string_view::npos || dollar < colon1)
    return std::nullopt;
  auto colon2 = text.find(':', dollar);
  if (colon2 == std::string_view::npos) return std::nullopt;
  ScramVerifier v;
  auto iter_text = text.substr(0, colon1);
  auto [p, ec] =
      std::from_chars(iter_text.data(), iter_text.data() + iter_text.size(), v.iterations);
  if (ec != std::errc() || p != iter_text.data() + iter_text.size() || v.iterations < 1 ||
      v.iterations > kMaxIterations)
    return std::nullopt;
  auto salt = base64_decode(text.substr(colon1 + 1, dollar - colon1 - 1));
  auto stored = base64_decode(text.substr(dollar + 1, colon2 - dollar - 1));
  auto server = base64_decode(text.substr(colon2 + 1));
  if (!salt || salt->empty() || !stored || stored->size() != 32 || !server || server->size() != 32)
    return std::nullopt;
  v.salt = std::move(*salt);
  std::copy(stored->begin(), stored->end(), v.stored_key.begin());
  std::copy(server->begin(), server->end(), v.server_key.begin());
  return v;
}

ScramVerifier ScramVerifier::from_password(std::string_view password, ByteSpan salt,
                                           int iterations) {
  ScramVerifier v;
  v.iterations = iterations;
  v.salt.assign(salt.begin(), salt.end());
  Sha256 salted = pbkdf2_sha256(password, salt, iterations);
  Sha256 client_key = hmac_sha256(span(salted), as_bytes("Client Key"));
  v.stored_key = sha256(span(client_key));
  v.server_key = hmac_sha256(span(salted), as_bytes("Server Key"));
  return v;
}

std::string ScramVerifier::to_string() const {
  return "SCRAM-SHA-256$" + std::to_string(iterations) + ":" + base64_encode(salt) + "$" +
         base64_encode(span(stored_key)) + ":" + base64_encode(span(server_key));
}

ScramServer::ScramServer(std::optional<ScramVerifier> verifier,
                         std::optional<Bytes> channel_binding)
    : verifier_(std::move(verifier)), channel_binding_(std::move(channel_binding)) {
  if (!verifier_) {
    // A random key that no proof matches.
    mock_.salt = random_bytes(16);
    auto k = random_bytes(32);
    std::copy(k.begin(), k.end(), mock_.stored_key.begin());
  }
}

Result<std::string> ScramServer::on_client_first(std::string_view m, bool plus) {
  // gs2-header: cbind-flag "," [authzid] ","
  if (m.empty()) return bad("empty client-first-message");
  auto first = m.find(',');
  if (first == std::string_view::npos) return bad("gs2 header");
  std::string_view flag = m.substr(0, first);
  if (plus != (flag.substr(0, 2) == "p="))
    return bad("channel binding flag does not match the selected mechanism");
  if (flag.substr(0, 2) == "p=") {
    if (!channel_binding_) return bad("channel binding requested without TLS");
    if (flag != "p=tls-server-end-point")
      return make_error(Errc::unsupported, "unsupported SCRAM channel-binding type \"" +
                                               std::string(flag.substr(2)) + "\"");
  } else if (flag == "y") {
    // The client could bind but believes we cannot: with TLS we offered
    // -PLUS, so someone removed it on the way (RFC 5802 downgrade check).
    if (channel_binding_) return bad("SCRAM channel binding negotiation error");
  } else if (flag != "n") {
    return bad("gs2 header");
  }
  auto second = m.find(',', first + 1);
  if (second == std::string_view::npos) return bad("gs2 header");
  if (second != first + 1)
    return make_error(Errc::unsupported, "SCRAM authorization identity is not supported");
  gs2_header_ = std::string(m.substr(0, second + 1));
  Bytes cbind(gs2_header_.begin(), gs2_header_.end());
  if (plus) cbind.insert(cbind.end(), channel_binding_->begin(), channel_binding_->end());
  expected_cbind_ = base64_encode(cbind);
  client_first_bare_ = std::string(m.substr(second + 1));
  if (client_first_bare_.substr(0, 2) == "m=")
    return make_error(Errc::unsupported, "SCRAM extensions are not supported");
  if (client_first_bare_.substr(0, 2) != "n=") return bad("missing user name");
  auto cnonce = attribute(client_first_bare_, 'r');
  if (!cnonce || !printable_nonce(*cnonce)) return bad("client nonce");
  nonce_ = std::string(*cnonce) + nonce();
  const ScramVerifier& v = verifier_ ? *verifier_ : mock_;
  server_first_ =
      "r=" + nonce_ + ",s=" + base64_encode(v.salt) + ",i=" + std::to_string(v.iterations);
  return server_first_;
}

Result<std::string> ScramServer::on_client_final(std::string_view m) {
  auto proof_pos = m.rfind(",p=");
  if (proof_pos == std::string_view::npos) return bad("missing proof");
  std::string_view without_proof = m.substr(0, proof_pos);
  auto cbind = attribute(without_proof, 'c');
  auto r = attribute(without_proof, 'r');
  if (!cbind || !r) return bad("client-final-message");
  if (*cbind != expected_cbind_) return bad("channel binding mismatch");
  if (*r != nonce_) return bad("nonce mismatch");
  auto proof = base64_decode(m.substr(proof_pos + 3));
  if (!proof || proof->size() != 32) return bad("proof");
  const ScramVerifier& v = verifier_ ? *verifier_ : mock_;
  std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  Sha256 client_signature = hmac_sha256(span(v.stored_key), as_bytes(auth_message));
  Sha256 client_key{};
  for (std::size_t i = 0; i < client_key.size(); ++i)
    client_key[i] = (*proof)[i] ^ client_signature[i];
  Sha256 stored = sha256(span(client_key));
  if (!verifier_ || !equal_ct(span(stored), span(v.stored_key)))
    return make_error(Errc::auth_failed, "wrong SCRAM proof");
  recovered_ = ScramKeys{client_key, v.server_key};
  Sha256 server_signature = hmac_sha256(span(v.server_key), as_bytes(auth_message));
  return "v=" + base64_encode(span(server_signature));
}

Sha256 SaltedPasswordCache::get(std::string_view password, ByteSpan salt, int iterations) {
  // The key holds a hash of the password, never the password itself.
  Sha256 pw = sha256(as_bytes(password));
  std::string key(reinterpret_cast<const char*>(pw.data()), pw.size());
  key.append(reinterpret_cast<const char*>(salt.data()), salt.size());
  // Two appends, not ":" + to_string(): g++ 12 at -O3 reports a bogus
  // -Wrestrict inside the temporary's concatenation.
  key += ':';
  key += std::to_string(iterations);
  auto it = entries_.find(key);
  if (it != entries_.end()) return it->second;
  if (entries_.size() >= 1024) entries_.clear();  // bounded: roles x password changes
  return entries_.emplace(std::move(key), pbkdf2_sha256(password, salt, iterations)).first->second;
}

ScramClient::ScramClient(std::string password, std::string user)
    : password_(std::move(password)), user_(std::move(user)), client_nonce_(nonce()) {}

ScramClient::ScramClient(const ScramKeys& keys) : keys_(keys), client_nonce_(nonce()) {}

std::string ScramClient::client_first() {
  client_first_bare_ = "n=" + user_ + ",r=" + client_nonce_;
  return "n,," + client_first_bare_;
}

Result<std::string> ScramClient::on_server_first(std::string_view m) {
  auto r = attribute(m, 'r');
  auto s = attribute(m, 's');
  auto i = attribute(m, 'i');
  if (!r || !s || !i) return bad("server-first-message");
  if (r->size() <= client_nonce_.size() || r->substr(0, client_nonce_.size()) != client_nonce_)
    return bad("server nonce does not extend the client nonce");
  int iterations = 0;
  auto [p, ec] = std::from_chars(i->data(), i->data() + i->size(), iterations);
  if (ec != std::errc() || p != i->data() + i->size() || iterations < 1 ||
      iterations > kMaxIterations)
    return bad("iteration count");
  auto salt = base64_decode(*s);
  if (!salt || salt->empty()) return bad("salt");
  Sha256 client_key{};
  Sha256 server_key{};
  if (keys_) {
    client_key = keys_->client_key;
    server_key = keys_->server_key;
  } else {
    Sha256 salted = cache_ ? cache_->get(password_, *salt, iterations)
                           : pbkdf2_sha256(password_, *salt, iterations);
    client_key = hmac_sha256(span(salted), as_bytes("Client Key"));
    server_key = hmac_sha256(span(salted), as_bytes("Server Key"));
  }
  Sha256 stored_key = sha256(span(client_key));
  std::string without_proof = "c=biws,r=" + std::string(*r);
  std::string auth_message = client_first_bare_ + "," + std::string(m) + "," + without_proof;
  Sha256 client_signature = hmac_sha256(span(stored_key), as_bytes(auth_message));
  Sha256 proof = xor_bytes(client_key, client_signature);
  expected_server_signature_ =
      base64_encode(span(hmac_sha256(span(server_key), as_bytes(auth_message))));
  return without_proof + ",p=" + base64_encode(span(proof));
}

Status ScramClient::on_server_final(std::string_view m) {
  if (auto e = attribute(m, 'e'))
    return make_error(Errc::auth_failed, "server rejected SCRAM exchange: " + std::string(*e));
  auto v = attribute(m, 'v');
  if (!v || *v != expected_server_signature_)
    return make_error(Errc::auth_failed, "backend SCRAM server signature does not match");
  return {};
}

}  // namespace sw::pg::auth
