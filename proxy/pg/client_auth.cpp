#include "proxy/pg/client_auth.hpp"

#include <array>

#include "proxy/pg/auth/credential.hpp"
#include "proxy/pg/auth/crypto.hpp"
#include "proxy/pg/auth/md5.hpp"
#include "proxy/pg/auth/scram.hpp"
#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/message_io.hpp"

namespace sw::pg {

namespace {

constexpr std::uint32_t kMaxAuthMessage = 65535;  // PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH

AuthOutcome failed(const std::string& user) {
  return {false, "28P01", "password authentication failed for user \"" + user + "\"", std::nullopt};
}
AuthOutcome gone() {
  return {false, "", "", std::nullopt};
}
AuthOutcome protocol(std::string message) {
  return {false, "08P01", std::move(message), std::nullopt};
}

// The verifier the client is checked against: parsed from a stored
// verifier, or derived from a plain password (once per worker for
// configured users). None for an unknown user or an md5 hash, which SCRAM
// cannot use (PostgreSQL: "User does not have a valid SCRAM secret").
std::optional<auth::ScramVerifier> verifier_for(ListenerContext& ctx, const ClaimedUser& user) {
  if (!user.secret) return std::nullopt;
  const std::string& secret = user.secret->reveal();
  if (auth::is_scram_verifier(secret)) return auth::ScramVerifier::parse(secret);
  if (auth::is_md5_hash(secret)) return std::nullopt;
  if (!user.cache_verifier)
    return auth::ScramVerifier::from_password(secret, auth::random_bytes(16));
  auto it = ctx.scram_cache.find(user.name);
  if (it == ctx.scram_cache.end()) {
    auto salt = auth::random_bytes(16);
    it = ctx.scram_cache.emplace(user.name, auth::ScramVerifier::from_password(secret, salt)).first;
  }
  return it->second;
}

net::awaitable<bool> send(net::Stream& client, const Bytes& out) {
  net::error_code ec;
  co_await client.write(net::asio::buffer(out), ec);
  co_return !ec;
}

net::awaitable<AuthOutcome> md5_exchange(net::Stream& client, MessageReader& reader,
                                         const ClaimedUser& user) {
  auto salt_bytes = auth::random_bytes(4);
  std::array<std::uint8_t, 4> salt{};
  std::copy(salt_bytes.begin(), salt_bytes.end(), salt.begin());
  Bytes out;
  codec::append_auth(out, codec::AuthCode::md5_password, salt);
  if (!co_await send(client, out)) co_return gone();
  auto m = co_await read_message(client, reader, kMaxAuthMessage);
  if (!m) co_return m.error().code == Errc::io ? gone() : protocol("invalid password packet");
  if ((*m)[0] != codec::msg::kPassword)
    co_return protocol("expected password response, got message type " + std::to_string((*m)[0]));
  auto pw = codec::parse_password(*m);
  if (!pw) co_return protocol("invalid password packet size");
  std::string answer(*pw);
  reader.consume(m->size());
  if (!user.secret) co_return failed(user.name);
  const std::string& secret = user.secret->reveal();
  std::string stored = auth::is_md5_hash(secret) ? secret : auth::md5_stored(secret, user.name);
  std::string expected = auth::md5_response(stored, salt);
  if (!auth::equal_ct(as_bytes(answer), as_bytes(expected))) co_return failed(user.name);
  co_return AuthOutcome{true, "", "", std::nullopt};
}

net::awaitable<AuthOutcome> scram_exchange(ListenerContext& ctx, net::Stream& client,
                                           MessageReader& reader, const ClaimedUser& user) {
  auto verifier = verifier_for(ctx, user);
  // Over TLS, offer channel binding too (PostgreSQL lists -PLUS first).
  Bytes binding = client.tls_server_end_point();
  bool can_bind = !binding.empty();
  auth::ScramServer server(verifier,
                           can_bind ? std::optional<Bytes>(std::move(binding)) : std::nullopt);
  Bytes out;
  if (can_bind)
    codec::append_auth_sasl_mechanisms(out, {auth::kScramSha256Plus, auth::kScramSha256});
  else
    codec::append_auth_sasl_mechanisms(out, {auth::kScramSha256});
  if (!co_await send(client, out)) co_return gone();

  auto m = co_await read_message(client, reader, kMaxAuthMessage);
  if (!m) co_return m.error().code == Errc::io ? gone() : protocol("invalid SASL message");
  if ((*m)[0] != codec::msg::kPassword)
    co_return protocol("expected SASL response, got message type " + std::to_string((*m)[0]));
  auto initial = codec::parse_sasl_initial_response(*m);
  if (!initial) co_return protocol("malformed SASLInitialResponse message");
  bool plus = initial->mechanism == auth::kScramSha256Plus;
  if (!(initial->mechanism == auth::kScramSha256 || (plus && can_bind)))
    co_return protocol("client selected an invalid SASL authentication mechanism");
  auto server_first = server.on_client_first(initial->data, plus);
  reader.consume(m->size());
  if (!server_first) {
    if (server_first.error().code == Errc::unsupported)
      co_return AuthOutcome{false, "0A000", server_first.error().message, std::nullopt};
    co_return protocol(server_first.error().message);
  }
  out.clear();
  codec::append_auth(out, codec::AuthCode::sasl_continue, as_bytes(*server_first));
  if (!co_await send(client, out)) co_return gone();

  m = co_await read_message(client, reader, kMaxAuthMessage);
  if (!m) co_return m.error().code == Errc::io ? gone() : protocol("invalid SASL message");
  if ((*m)[0] != codec::msg::kPassword)
    co_return protocol("expected SASL response, got message type " + std::to_string((*m)[0]));
  auto response = codec::parse_sasl_response(*m);
  if (!response) co_return protocol("malformed SASLResponse message");
  auto server_final = server.on_client_final(*response);
  reader.consume(m->size());
  if (!server_final) {
    if (server_final.error().code == Errc::auth_failed) co_return failed(user.name);
    co_return protocol(server_final.error().message);
  }
  out.clear();
  codec::append_auth(out, codec::AuthCode::sasl_final, as_bytes(*server_final));
  if (!co_await send(client, out)) co_return gone();
  co_return AuthOutcome{true, "", "", server.recovered_keys()};
}

}  // namespace

net::awaitable<AuthOutcome> authenticate_client(ListenerContext& ctx, net::Stream& client,
                                                MessageReader& reader, const ClaimedUser& user) {
  switch (ctx.listener->auth_method) {
    case ClientAuthMethod::trust:
      if (!user.secret) co_return failed(user.name);
      co_return AuthOutcome{true, "", "", std::nullopt};
    case ClientAuthMethod::md5:
      // md5 needs a plain password or md5 hash; SCRAM verifiers use SCRAM.
      if (!user.secret || !auth::is_scram_verifier(user.secret->reveal()))
        co_return co_await md5_exchange(client, reader, user);
      [[fallthrough]];
    case ClientAuthMethod::scram_sha_256:
      co_return co_await scram_exchange(ctx, client, reader, user);
  }
  co_return failed(user.name);
}

}  // namespace sw::pg
