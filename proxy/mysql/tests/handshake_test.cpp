#include <gtest/gtest.h>

#include "proxy/mysql/codec/auth.hpp"
#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/handshake.hpp"
#include "proxy/mysql/codec/messages.hpp"

namespace sw::mysql {
namespace {

TEST(MyHandshake, GreetingRoundTrip) {
  Greeting g;
  g.server_version = "5.5.5-10.11.6-MariaDB";
  g.connection_id = 42;
  g.scramble = make_scramble();
  g.capabilities = cap::proxy_supported;
  g.charset = 45;
  g.status = status::autocommit;
  g.auth_plugin = "mysql_native_password";
  Bytes out;
  encode_greeting(g, out);
  auto back = parse_greeting(out);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->server_version, g.server_version);
  EXPECT_EQ(back->connection_id, 42u);
  EXPECT_EQ(back->scramble, g.scramble);
  EXPECT_EQ(back->capabilities, g.capabilities);
  EXPECT_EQ(back->auth_plugin, g.auth_plugin);
  EXPECT_EQ(back->status, status::autocommit);
}

TEST(MyHandshake, MariadbExtendedCapabilitiesTravelWhenClientMysqlIsClear) {
  Greeting g;
  g.server_version = "5.5.5-10.11.6-MariaDB";
  g.scramble = make_scramble();
  g.capabilities = cap::proxy_supported & ~cap::long_password;
  g.ext_capabilities = ext_cap::stmt_bulk_operations | ext_cap::extended_metadata;
  g.auth_plugin = "mysql_native_password";
  Bytes out;
  encode_greeting(g, out);
  auto back = parse_greeting(out);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->ext_capabilities, g.ext_capabilities);
  EXPECT_EQ(back->scramble, g.scramble);
  // A MySQL greeting (CLIENT_MYSQL set) carries none: the bytes are reserved.
  g.capabilities |= cap::long_password;
  out.clear();
  encode_greeting(g, out);
  EXPECT_EQ(parse_greeting(out)->ext_capabilities, 0u);

  HandshakeResponse r;
  r.capabilities = cap::proxy_supported & ~cap::long_password;
  r.ext_capabilities = ext_cap::extended_metadata;
  r.user = "app";
  out.clear();
  encode_handshake_response(r, out);
  // The last 4 of the 23 reserved bytes, little-endian.
  EXPECT_EQ(static_cast<std::uint32_t>(out[28]), ext_cap::extended_metadata);
  auto rb = parse_handshake_response(out);
  ASSERT_TRUE(rb);
  EXPECT_EQ(rb->ext_capabilities, ext_cap::extended_metadata);
  EXPECT_EQ(rb->user, "app");
  out[0] |= 1;  // CLIENT_MYSQL: the same bytes no longer count
  EXPECT_EQ(parse_handshake_response(out)->ext_capabilities, 0u);
}

TEST(MyHandshake, ScrambleHasNoNul) {
  for (int i = 0; i < 100; ++i) {
    auto s = make_scramble();
    ASSERT_EQ(s.size(), 20u);
    EXPECT_EQ(s.find('\0'), std::string::npos);
  }
}

TEST(MyHandshake, ResponseRoundTripWithEveryOptionalField) {
  HandshakeResponse r;
  r.capabilities = cap::proxy_supported;
  r.max_packet = 1 << 24;
  r.charset = 45;
  r.user = "app";
  r.auth_response = native_password_response("app", "01234567890123456789");
  r.database = "exo_cluster";
  r.auth_plugin = "mysql_native_password";
  r.connect_attrs = std::string(
      "\x04_pid\x03"
      "123",
      9);
  Bytes out;
  encode_handshake_response(r, out);
  auto back = parse_handshake_response(out);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(back->ssl_request);
  EXPECT_EQ(back->user, "app");
  EXPECT_EQ(back->auth_response, r.auth_response);
  EXPECT_EQ(back->database, r.database);
  EXPECT_EQ(back->auth_plugin, r.auth_plugin);
  EXPECT_EQ(back->connect_attrs, r.connect_attrs);
}

TEST(MyHandshake, SslRequestIsRecognised) {
  Bytes out;
  encode_ssl_request(cap::proxy_supported | cap::ssl, 1 << 24, 45, out);
  ASSERT_EQ(out.size(), 32u);
  auto back = parse_handshake_response(out);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->ssl_request);
}

TEST(MyHandshake, LyingLengthsAreRejected) {
  HandshakeResponse r;
  r.capabilities = cap::proxy_supported;
  r.user = "app";
  r.auth_response = std::string(20, 'a');
  Bytes out;
  encode_handshake_response(r, out);
  // Truncate inside the auth data: the lenenc length now lies.
  for (std::size_t cut = 33; cut < out.size(); ++cut) {
    Bytes partial(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(cut));
    auto back = parse_handshake_response(partial);
    if (back) {
      EXPECT_LE(back->auth_response.size(), 20u);
    }
  }
  Bytes lying = out;
  lying[32 + 4] = 0xfc;  // auth length byte claims 2-byte length
  lying[32 + 5] = 0xff;
  lying[32 + 6] = 0xff;
  EXPECT_FALSE(parse_handshake_response(lying));
}

TEST(MyAuth, NativePasswordMatchesKnownVector) {
  // mysql_native_password of "app" over a fixed scramble, cross-checked:
  // the same inputs give the same answer, a different password does not.
  std::string scramble = "abcdefghijklmnopqrst";
  auto a = native_password_response("app", scramble);
  EXPECT_EQ(a.size(), 20u);
  EXPECT_TRUE(auth_response_matches(a, native_password_response("app", scramble)));
  EXPECT_FALSE(auth_response_matches(a, native_password_response("apq", scramble)));
  EXPECT_TRUE(native_password_response("", scramble).empty());
  EXPECT_EQ(caching_sha2_response("app", scramble).size(), 32u);
}

// A stored hash (SELECT PASSWORD('app') on MariaDB) checks a client's
// answer and yields what logs in to a server with a fresh scramble.
TEST(MyAuth, NativePasswordFromTheStoredHash) {
  auto stage2 = parse_native_password_hash("*5bcb3e6ac345b435c7c2e6b7949a04ce6f6563d3");
  ASSERT_TRUE(stage2);
  std::string client_scramble = "abcdefghijklmnopqrst";
  auto stage1 = recover_native_stage1(*stage2, client_scramble,
                                      native_password_response("app", client_scramble));
  ASSERT_TRUE(stage1);
  std::string server_scramble = "ZYXWVUTSRQPONMLKJIHG";
  EXPECT_EQ(native_password_response_from_stage1(*stage1, server_scramble),
            native_password_response("app", server_scramble));
  // A wrong password, a short answer, a malformed hash.
  EXPECT_FALSE(recover_native_stage1(*stage2, client_scramble,
                                     native_password_response("apq", client_scramble)));
  EXPECT_FALSE(recover_native_stage1(*stage2, client_scramble, "short"));
  EXPECT_FALSE(recover_native_stage1(*stage2, client_scramble, ""));
  EXPECT_FALSE(parse_native_password_hash("5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3"));
  EXPECT_FALSE(parse_native_password_hash("*5BCB3E6AC345B435C7C2E6B7949A04CE6F6563DZ"));
  EXPECT_FALSE(parse_native_password_hash("*5BCB"));
}

TEST(MyMessages, TextRowWithNullsAndStrings) {
  Bytes row = {3, 'a', 'b', 'c', 0xfb, 0};
  auto r = parse_text_row(row, 3);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[0], std::optional<std::string>("abc"));
  EXPECT_EQ((*r)[1], std::nullopt);
  EXPECT_EQ((*r)[2], std::optional<std::string>(""));
  EXPECT_FALSE(parse_text_row(row, 2));  // bytes left over
  EXPECT_FALSE(parse_text_row(row, 4));  // a column missing
  Bytes cut = {5, 'a', 'b'};
  EXPECT_FALSE(parse_text_row(cut, 1));  // a length past the end
}

TEST(MyMessages, ErrAndOkRoundTrip) {
  Bytes out;
  encode_err(ErrPacket{1142, "42000", "denied"}, out);
  auto err = parse_err(out);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, 1142);
  EXPECT_EQ(err->sqlstate, "42000");
  EXPECT_EQ(err->message, "denied");
  Bytes ok;
  encode_ok(OkPacket{3, 7, status::autocommit, 1}, cap::session_track, ok);
  auto back = parse_ok(ok);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->affected_rows, 3u);
  EXPECT_EQ(back->last_insert_id, 7u);
  EXPECT_EQ(back->status, status::autocommit);
}

TEST(MyMessages, ChangeUserRoundTrip) {
  ChangeUser c;
  c.user = "reader";
  c.auth_response = std::string(20, 'z');
  c.database = "exo_cluster";
  c.charset = 45;
  c.auth_plugin = "mysql_native_password";
  Bytes out;
  std::uint32_t caps = cap::proxy_supported;
  encode_change_user(c, caps, out);
  auto back = parse_change_user(out, caps);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->user, "reader");
  EXPECT_EQ(back->database, "exo_cluster");
  EXPECT_EQ(back->charset, 45);
  EXPECT_EQ(back->auth_plugin, "mysql_native_password");
  out.resize(10);
  EXPECT_FALSE(parse_change_user(out, caps));
}

}  // namespace
}  // namespace sw::mysql
