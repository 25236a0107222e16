#include "proxy/mysql/codec/messages.hpp"

#include <algorithm>

#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/lenenc.hpp"

namespace sw::mysql {

void encode_ok(const OkPacket& ok, std::uint32_t capabilities, Bytes& out) {
  ByteWriter w(out);
  w.u8(header::ok);
  write_lenenc_int(w, ok.affected_rows);
  write_lenenc_int(w, ok.last_insert_id);
  w.u16_le(ok.status);
  w.u16_le(ok.warnings);
  // With SESSION_TRACK the info string is length-encoded; clients read it.
  if (capabilities & cap::session_track) write_lenenc_string(w, "");
}

void encode_err(const ErrPacket& err, Bytes& out) {
  ByteWriter w(out);
  w.u8(header::err);
  w.u16_le(err.code);
  w.u8('#');
  std::string state = err.sqlstate;
  state.resize(5, '0');
  w.bytes(state);
  w.bytes(err.message);
}

void encode_eof(std::uint16_t warnings, std::uint16_t status, Bytes& out) {
  ByteWriter w(out);
  w.u8(header::eof);
  w.u16_le(warnings);
  w.u16_le(status);
}

std::optional<OkPacket> parse_ok(ByteSpan payload) {
  ByteReader in(payload);
  auto h = in.u8();
  if (!h || (*h != header::ok && *h != header::eof)) return std::nullopt;
  OkPacket ok;
  auto affected = read_lenenc_int(in);
  auto id = read_lenenc_int(in);
  auto st = in.u16_le();
  auto warnings = in.u16_le();
  if (!affected || !id || !st || !warnings) return std::nullopt;
  ok.affected_rows = *affected;
  ok.last_insert_id = *id;
  ok.status = *st;
  ok.warnings = *warnings;
  return ok;
}

std::optional<ErrPacket> parse_err(ByteSpan payload) {
  ByteReader in(payload);
  auto h = in.u8();
  auto code = in.u16_le();
  if (!h || *h != header::err || !code) return std::nullopt;
  ErrPacket err;
  err.code = *code;
  auto rest = as_chars(in.rest());
  if (!rest.empty() && rest[0] == '#' && rest.size() >= 6) {
    err.sqlstate = std::string(rest.substr(1, 5));
    rest.remove_prefix(6);
  } else {
    err.sqlstate = "HY000";
  }
  err.message = std::string(rest);
  return err;
}

std::optional<std::uint16_t> terminator_status(ByteSpan payload) {
  if (payload.empty() || payload[0] != header::eof) return std::nullopt;
  if (payload.size() == 5) return static_cast<std::uint16_t>(payload[3] | (payload[4] << 8));
  auto ok = parse_ok(payload);
  if (!ok) return std::nullopt;
  return ok->status;
}

void encode_auth_switch(const AuthSwitch& s, Bytes& out) {
  ByteWriter w(out);
  w.u8(header::eof);
  w.cstring(s.plugin);
  w.cstring(s.data);
}

std::optional<AuthSwitch> parse_auth_switch(ByteSpan payload) {
  ByteReader in(payload);
  auto h = in.u8();
  if (!h || *h != header::eof) return std::nullopt;
  AuthSwitch s;
  if (in.empty()) return s;  // old-style switch to mysql_old_password: plugin stays empty
  auto plugin = in.cstring();
  if (!plugin) return std::nullopt;
  s.plugin = std::string(*plugin);
  std::string_view data = as_chars(in.rest());
  if (!data.empty() && data.back() == '\0') data.remove_suffix(1);
  s.data = std::string(data);
  return s;
}

void encode_auth_more_data(std::string_view data, Bytes& out) {
  ByteWriter w(out);
  w.u8(header::auth_more_data);
  w.bytes(data);
}

Result<ChangeUser> parse_change_user(ByteSpan payload, std::uint32_t capabilities) {
  auto bad = [](const char* what) {
    return make_error(Errc::protocol_violation, std::string("malformed COM_CHANGE_USER: ") + what);
  };
  ByteReader in(payload);
  auto cmd = in.u8();
  if (!cmd || *cmd != static_cast<std::uint8_t>(Command::change_user)) return bad("not one");
  ChangeUser c;
  auto user = in.cstring();
  if (!user) return bad("user name not terminated");
  c.user = std::string(*user);
  if (capabilities & cap::secure_connection) {
    auto n = in.u8();
    if (!n) return bad("no auth data length");
    auto data = in.bytes(*n);
    if (!data) return bad("auth data length exceeds the packet");
    c.auth_response.assign(as_chars(*data));
  } else {
    auto data = in.cstring();
    if (!data) return bad("auth data not terminated");
    c.auth_response = std::string(*data);
  }
  auto db = in.cstring();
  if (!db) return bad("database name not terminated");
  c.database = std::string(*db);
  if (in.empty()) return c;
  auto charset = in.u16_le();
  if (!charset) return bad("truncated character set");
  c.charset = *charset;
  if ((capabilities & cap::plugin_auth) && !in.empty()) {
    auto plugin = in.cstring();
    if (!plugin) return bad("plugin name not terminated");
    c.auth_plugin = std::string(*plugin);
  }
  if ((capabilities & cap::connect_attrs) && !in.empty()) {
    auto attrs = read_lenenc_string(in);
    if (!attrs) return bad("connection attributes exceed the packet");
    c.connect_attrs = std::string(*attrs);
  }
  return c;
}

void encode_change_user(const ChangeUser& c, std::uint32_t capabilities, Bytes& out) {
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(Command::change_user));
  w.cstring(c.user);
  w.u8(static_cast<std::uint8_t>(std::min<std::size_t>(c.auth_response.size(), 255)));
  w.bytes(std::string_view(c.auth_response).substr(0, 255));
  w.cstring(c.database);
  w.u16_le(c.charset);
  if (capabilities & cap::plugin_auth) w.cstring(c.auth_plugin);
  if (capabilities & cap::connect_attrs) write_lenenc_string(w, c.connect_attrs);
}

std::optional<TextRow> parse_text_row(ByteSpan payload, std::size_t columns) {
  ByteReader in(payload);
  TextRow row;
  row.reserve(columns);
  for (std::size_t i = 0; i < columns; ++i) {
    if (in.empty()) return std::nullopt;
    if (in.rest()[0] == 0xfb) {
      in.skip(1);
      row.emplace_back(std::nullopt);
      continue;
    }
    auto value = read_lenenc_string(in);
    if (!value) return std::nullopt;
    row.emplace_back(std::string(*value));
  }
  if (!in.empty()) return std::nullopt;
  return row;
}

}  // namespace sw::mysql
