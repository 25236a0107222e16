#include "proxy/mysql/codec/handshake.hpp"

#include <algorithm>

#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/lenenc.hpp"

namespace sw::mysql {

namespace {
Error bad(const char* what) {
  return make_error(Errc::protocol_violation, std::string("malformed handshake: ") + what);
}
}  // namespace

void encode_greeting(const Greeting& g, Bytes& out) {
  ByteWriter w(out);
  w.u8(10);
  w.cstring(g.server_version);
  w.u32_le(g.connection_id);
  std::string scramble = g.scramble;
  scramble.resize(20, '\x01');
  w.bytes(std::string_view(scramble).substr(0, 8));
  w.u8(0);
  w.u16_le(static_cast<std::uint16_t>(g.capabilities));
  w.u8(g.charset);
  w.u16_le(g.status);
  w.u16_le(static_cast<std::uint16_t>(g.capabilities >> 16));
  w.u8(static_cast<std::uint8_t>(scramble.size() + 1));
  for (int i = 0; i < 6; ++i) w.u8(0);  // reserved
  // MariaDB: the extended capabilities, when CLIENT_MYSQL says "not MySQL".
  w.u32_le((g.capabilities & cap::long_password) ? 0 : g.ext_capabilities);
  w.bytes(std::string_view(scramble).substr(8));
  w.u8(0);
  w.cstring(g.auth_plugin);
}

Result<Greeting> parse_greeting(ByteSpan payload) {
  ByteReader in(payload);
  Greeting g;
  auto proto = in.u8();
  if (!proto) return bad("empty greeting");
  if (*proto == 0xff) return make_error(Errc::auth_failed, "server refused the connection");
  if (*proto != 10) return bad("not protocol version 10");
  auto version = in.cstring();
  auto id = in.u32_le();
  auto part1 = in.bytes(8);
  if (!version || !id || !part1 || !in.skip(1)) return bad("truncated greeting");
  g.server_version = std::string(*version);
  g.connection_id = *id;
  g.scramble.assign(as_chars(*part1));
  auto caps_lo = in.u16_le();
  if (!caps_lo) return bad("no capabilities");
  g.capabilities = *caps_lo;
  auto charset = in.u8();
  auto st = in.u16_le();
  auto caps_hi = in.u16_le();
  auto data_len = in.u8();
  if (!charset || !st || !caps_hi || !data_len || !in.skip(6)) return g;  // pre-4.1 tail
  auto ext = in.u32_le();
  if (!ext) return g;
  g.charset = *charset;
  g.status = *st;
  g.capabilities |= static_cast<std::uint32_t>(*caps_hi) << 16;
  if (!(g.capabilities & cap::long_password)) g.ext_capabilities = *ext;
  if (g.capabilities & cap::secure_connection) {
    std::size_t n = std::max<std::size_t>(13, *data_len > 8 ? *data_len - 8u : 0u);
    n = std::min(n, in.remaining());
    auto part2 = in.bytes(n);
    if (!part2) return bad("truncated scramble");
    std::string_view p2 = as_chars(*part2);
    if (!p2.empty() && p2.back() == '\0') p2.remove_suffix(1);
    g.scramble.append(p2);
  }
  if (g.capabilities & cap::plugin_auth) {
    auto rest = in.rest();
    std::string_view name = as_chars(rest);
    auto nul = name.find('\0');
    if (nul != std::string_view::npos) name = name.substr(0, nul);
    g.auth_plugin = std::string(name);
  }
  return g;
}

Result<HandshakeResponse> parse_handshake_response(ByteSpan payload) {
  ByteReader in(payload);
  HandshakeResponse r;
  auto caps = in.u32_le();
  auto max_packet = in.u32_le();
  auto charset = in.u8();
  if (!caps || !max_packet || !charset || !in.skip(19)) return bad("truncated response");
  auto ext = in.u32_le();
  if (!ext) return bad("truncated response");
  r.capabilities = *caps;
  if (!(r.capabilities & cap::long_password)) r.ext_capabilities = *ext;
  r.max_packet = *max_packet;
  r.charset = *charset;
  if (!(r.capabilities & cap::protocol_41)) return bad("client does not speak protocol 4.1");
  if (in.empty() && (r.capabilities & cap::ssl)) {
    r.ssl_request = true;
    return r;
  }
  auto user = in.cstring();
  if (!user) return bad("user name not terminated");
  r.user = std::string(*user);
  if (r.capabilities & cap::plugin_auth_lenenc_data) {
    auto data = read_lenenc_string(in);
    if (!data) return bad("auth data length exceeds the packet");
    r.auth_response = std::string(*data);
  } else if (r.capabilities & cap::secure_connection) {
    auto n = in.u8();
    if (!n) return bad("no auth data length");
    auto data = in.bytes(*n);
    if (!data) return bad("auth data length exceeds the packet");
    r.auth_response.assign(as_chars(*data));
  } else {
    auto data = in.cstring();
    if (!data) return bad("auth data not terminated");
    r.auth_response = std::string(*data);
  }
  if ((r.capabilities & cap::connect_with_db) && !in.empty()) {
    auto db = in.cstring();
    if (!db) return bad("database name not terminated");
    if (!db->empty()) r.database = std::string(*db);
  }
  if ((r.capabilities & cap::plugin_auth) && !in.empty()) {
    auto plugin = in.cstring();
    if (!plugin) return bad("plugin name not terminated");
    r.auth_plugin = std::string(*plugin);
  }
  if ((r.capabilities & cap::connect_attrs) && !in.empty()) {
    auto attrs = read_lenenc_string(in);
    if (!attrs) return bad("connection attributes exceed the packet");
    r.connect_attrs = std::string(*attrs);
  }
  return r;
}

void encode_ssl_request(std::uint32_t capabilities, std::uint32_t max_packet, std::uint8_t charset,
                        Bytes& out, std::uint32_t ext_capabilities) {
  ByteWriter w(out);
  w.u32_le(capabilities);
  w.u32_le(max_packet);
  w.u8(charset);
  for (int i = 0; i < 19; ++i) w.u8(0);
  w.u32_le((capabilities & cap::long_password) ? 0 : ext_capabilities);
}

void encode_handshake_response(const HandshakeResponse& r, Bytes& out) {
  encode_ssl_request(r.capabilities, r.max_packet, r.charset, out, r.ext_capabilities);
  ByteWriter w(out);
  w.cstring(r.user);
  if (r.capabilities & cap::plugin_auth_lenenc_data) {
    write_lenenc_string(w, r.auth_response);
  } else {
    w.u8(static_cast<std::uint8_t>(std::min<std::size_t>(r.auth_response.size(), 255)));
    w.bytes(std::string_view(r.auth_response).substr(0, 255));
  }
  if (r.capabilities & cap::connect_with_db) w.cstring(r.database.value_or(""));
  if (r.capabilities & cap::plugin_auth) w.cstring(r.auth_plugin);
  if (r.capabilities & cap::connect_attrs) write_lenenc_string(w, r.connect_attrs);
}

std::string connect_attribute(std::string_view attrs, std::string_view key) {
  ByteReader in(as_bytes(attrs));
  while (!in.empty()) {
    auto k = read_lenenc_string(in);
    auto v = k ? read_lenenc_string(in) : std::nullopt;
    if (!v) return {};
    if (*k == key) return std::string(*v);
  }
  return {};
}

}  // namespace sw::mysql
