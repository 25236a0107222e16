// SCRAM-SHA-256 against RFC 7677's test vector, both roles against each
// other, verifier parsing, and md5 against PostgreSQL's known hash.
#include <gtest/gtest.h>

#include "proxy/pg/auth/crypto.hpp"
#include "proxy/pg/auth/md5.hpp"
#include "proxy/pg/auth/scram.hpp"

namespace sw::pg::auth {
namespace {

TEST(Scram, ClientMatchesRfc7677) {
  ScramClient client("pencil", "user");
  client.set_nonce("rOprNGfwEbeRWgbNEkqO");
  EXPECT_EQ(client.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
  auto final_msg = client.on_server_first(
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
  ASSERT_TRUE(final_msg) << final_msg.error().message;
  EXPECT_EQ(*final_msg,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  EXPECT_TRUE(client.on_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
  EXPECT_FALSE(client.on_server_final("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
}

struct Exchange {
  bool ok = false;
  Errc code = Errc::internal;
};

Exchange run(ScramServer& server, ScramClient& client) {
  auto first = server.on_client_first(client.client_first());
  if (!first) return {false, first.error().code};
  auto client_final = client.on_server_first(*first);
  if (!client_final) return {false, client_final.error().code};
  auto server_final = server.on_client_final(*client_final);
  if (!server_final) return {false, server_final.error().code};
  return {static_cast<bool>(client.on_server_final(*server_final)), Errc::internal};
}

Exchange run(ScramServer& server, const std::string& password) {
  ScramClient client(password);
  return run(server, client);
}

TEST(Scram, ServerAcceptsRightPasswordOnly) {
  auto salt = random_bytes(16);
  auto v = ScramVerifier::from_password("s3cret", salt);
  ScramServer good(v);
  EXPECT_TRUE(run(good, "s3cret").ok);
  ScramServer bad(v);
  auto r = run(bad, "wrong");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, Errc::auth_failed);
  ScramServer unknown(std::nullopt);
  EXPECT_EQ(run(unknown, "s3cret").code, Errc::auth_failed);
}

TEST(Scram, VerifierRoundTripAndPostgresFormat) {
  auto salt = random_bytes(16);
  auto v = ScramVerifier::from_password("app", salt);
  auto parsed = ScramVerifier::parse(v.to_string());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->stored_key, v.stored_key);
  EXPECT_EQ(parsed->server_key, v.server_key);
  EXPECT_EQ(parsed->salt, v.salt);
  ScramServer server(*parsed);
  EXPECT_TRUE(run(server, "app").ok);
  EXPECT_FALSE(ScramVerifier::parse("SCRAM-SHA-256$x:abc$def:ghi"));
  EXPECT_FALSE(ScramVerifier::parse("md5abc"));
  EXPECT_FALSE(ScramVerifier::parse("SCRAM-SHA-256$4096:$:"));
}

TEST(Scram, ServerRefusesChannelBindingAndGarbage) {
  // Without TLS binding data, a client asking to bind is refused.
  ScramServer server(std::nullopt);
  EXPECT_FALSE(server.on_client_first("p=tls-server-end-point,,n=,r=abc", true));
  // With it, only tls-server-end-point is known.
  ScramServer other(std::nullopt, Bytes{1, 2, 3});
  auto r = other.on_client_first("p=tls-unique,,n=,r=abc", true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::unsupported);
  // "y" while the server offered -PLUS is a downgrade.
  ScramServer downgrade(std::nullopt, Bytes{1, 2, 3});
  EXPECT_FALSE(downgrade.on_client_first("y,,n=,r=abc"));
  ScramServer s2(std::nullopt);
  EXPECT_FALSE(s2.on_client_first("x"));
  EXPECT_FALSE(s2.on_client_first("n,,r=abc"));
  EXPECT_FALSE(s2.on_client_final("c=biws,r=abc"));
  // "y,," (client could bind but we offer no -PLUS) is accepted.
  ScramServer s3(ScramVerifier::from_password("pw", random_bytes(16)));
  EXPECT_TRUE(s3.on_client_first("y,,n=,r=abcdef"));
}

TEST(Scram, ChannelBindingChecksTheBindingData) {
  auto v = ScramVerifier::from_password("pw", random_bytes(16));
  Bytes binding{9, 8, 7, 6};
  auto exchange = [&](const Bytes& client_binding) {
    ScramServer server(v, binding);
    std::string cnonce = "clientnonce";
    std::string bare = "n=,r=" + cnonce;
    auto first = server.on_client_first("p=tls-server-end-point,," + bare, true);
    if (!first) return false;
    // A client doing the same computation as ScramClient, with binding data.
    std::string r(first->substr(2, first->find(',') - 2));
    Bytes cb_input = {'p', '=', 't', 'l', 's', '-', 's', 'e', 'r', 'v', 'e', 'r',
                      '-', 'e', 'n', 'd', '-', 'p', 'o', 'i', 'n', 't', ',', ','};
    cb_input.insert(cb_input.end(), client_binding.begin(), client_binding.end());
    std::string without_proof = "c=" + base64_encode(cb_input) + ",r=" + r;
    Sha256 salted = pbkdf2_sha256("pw", v.salt, v.iterations);
    Sha256 client_key = hmac_sha256(span(salted), as_bytes("Client Key"));
    Sha256 stored = sha256(span(client_key));
    std::string auth_message = bare + "," + *first + "," + without_proof;
    Sha256 sig = hmac_sha256(span(stored), as_bytes(auth_message));
    Sha256 proof{};
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] = client_key[i] ^ sig[i];
    return static_cast<bool>(
        server.on_client_final(without_proof + ",p=" + base64_encode(span(proof))));
  };
  EXPECT_TRUE(exchange(binding));
  EXPECT_FALSE(exchange(Bytes{1, 1, 1, 1}));  // another certificate: a man in the middle
}

TEST(Scram, SaltedPasswordCacheGivesSameKeys) {
  SaltedPasswordCache cache;
  auto salt = random_bytes(16);
  EXPECT_EQ(cache.get("pw", salt, 4096), pbkdf2_sha256("pw", salt, 4096));
  EXPECT_EQ(cache.get("pw", salt, 4096), pbkdf2_sha256("pw", salt, 4096));
  EXPECT_EQ(cache.get("other", salt, 4096), pbkdf2_sha256("other", salt, 4096));
  EXPECT_EQ(cache.get("pw", salt, 100), pbkdf2_sha256("pw", salt, 100));
  // A client with the cache still authenticates against a server.
  ScramServer server(ScramVerifier::from_password("pw", salt));
  ScramClient client("pw");
  client.set_cache(&cache);
  auto first = server.on_client_first(client.client_first());
  ASSERT_TRUE(first);
  auto fin = client.on_server_first(*first);
  ASSERT_TRUE(fin);
  auto server_final = server.on_client_final(*fin);
  ASSERT_TRUE(server_final);
  EXPECT_TRUE(client.on_server_final(*server_final));
}

// PgBouncer's pass-through: the keys a proxy recovers from one client's
// proof log in to a second server holding the same verifier, without the
// password, and the second server's signature is checked with ServerKey.
TEST(Scram, RecoveredKeysLogInToTheBackend) {
  auto v = ScramVerifier::from_password("only-the-client-knows", random_bytes(16));
  ScramServer proxy_side(v);
  EXPECT_FALSE(proxy_side.recovered_keys());
  ASSERT_TRUE(run(proxy_side, "only-the-client-knows").ok);
  ASSERT_TRUE(proxy_side.recovered_keys());
  const ScramKeys keys = *proxy_side.recovered_keys();

  for (int i = 0; i < 2; ++i) {  // fresh nonces each time: keys, not a replayed proof
    ScramServer backend(v);
    ScramClient client(keys);
    EXPECT_TRUE(run(backend, client).ok);
  }
  // A backend with another verifier for the role refuses the keys.
  ScramServer other(ScramVerifier::from_password("only-the-client-knows", random_bytes(16)));
  ScramClient client(keys);
  auto refused = run(other, client);
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.code, Errc::auth_failed);
  // A failed proof recovers nothing.
  ScramServer wrong(v);
  EXPECT_FALSE(run(wrong, "guess").ok);
  EXPECT_FALSE(wrong.recovered_keys());
}

TEST(Md5, MatchesPostgres) {
  // SELECT 'md5' || md5('app' || 'app') in PostgreSQL.
  EXPECT_EQ(md5_stored("app", "app"), "md5fe63fea7be31b0200b496d08bc6b517d");
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  std::array<std::uint8_t, 4> salt{1, 2, 3, 4};
  auto resp = md5_response(md5_stored("pw", "u"), salt);
  EXPECT_EQ(resp, "md50803a98a0618b75c8f9a50f280cad373");
}

TEST(Base64, RoundTrip) {
  for (std::size_t n = 0; n < 40; ++n) {
    auto b = random_bytes(n);
    auto d = base64_decode(base64_encode(b));
    ASSERT_TRUE(d);
    EXPECT_EQ(*d, b);
  }
  EXPECT_FALSE(base64_decode("abc"));
  EXPECT_FALSE(base64_decode("ab!="));
}

}  // namespace
}  // namespace sw::pg::auth
