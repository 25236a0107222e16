#include "proxy/pg/codec/messages.hpp"

namespace sw::pg::codec {

namespace {

// Starts a typed message; returns the offset of its length field.
std::size_t begin(Bytes& out, std::uint8_t type) {
  out.push_back(type);
  std::size_t at = out.size();
  ByteWriter(out).u32_be(0);
  return at;
}

void finish(Bytes& out, std::size_t length_at) {
  ByteWriter(out).patch_u32_be(length_at, static_cast<std::uint32_t>(out.size() - length_at));
}

Error malformed(std::string_view what) {
  return make_error(Errc::protocol_violation, "malformed " + std::string(what) + " message");
}

// Body of a whole message (header checked by the scanner, rechecked here).
std::optional<ByteReader> body(ByteSpan message) {
  if (message.size() < 5) return std::nullopt;
  std::uint32_t len = (std::uint32_t{message[1]} << 24) | (std::uint32_t{message[2]} << 16) |
                      (std::uint32_t{message[3]} << 8) | std::uint32_t{message[4]};
  if (len < 4 || std::size_t{len} + 1 != message.size()) return std::nullopt;
  return ByteReader(message.subspan(5));
}

}  // namespace

bool is_frontend_query_phase_type(std::uint8_t t) noexcept {
  switch (t) {
    case msg::kBind:
    case msg::kClose:
    case msg::kCopyData:
    case msg::kCopyDone:
    case msg::kCopyFail:
    case msg::kDescribe:
    case msg::kExecute:
    case msg::kFlush:
    case msg::kFunctionCall:
    case msg::kParse:
    case msg::kQuery:
    case msg::kSync:
    case msg::kTerminate:
      return true;
    default:
      return false;
  }
}

void append_error(Bytes& out, const ErrorFields& e) {
  std::size_t at = begin(out, msg::kErrorResponse);
  ByteWriter w(out);
  w.u8('S');
  w.cstring(e.severity);
  w.u8('V');
  w.cstring(e.severity);
  w.u8('C');
  w.cstring(e.sqlstate);
  w.u8('M');
  w.cstring(e.message);
  w.u8(0);
  finish(out, at);
}

void append_ready_for_query(Bytes& out, char status) {
  std::size_t at = begin(out, msg::kReadyForQuery);
  out.push_back(static_cast<std::uint8_t>(status));
  finish(out, at);
}

void append_parameter_status(Bytes& out, std::string_view name, std::string_view value) {
  std::size_t at = begin(out, msg::kParameterStatus);
  ByteWriter w(out);
  w.cstring(name);
  w.cstring(value);
  finish(out, at);
}

void append_backend_key_data(Bytes& out, std::uint32_t pid, std::uint32_t key) {
  std::size_t at = begin(out, msg::kBackendKeyData);
  ByteWriter w(out);
  w.u32_be(pid);
  w.u32_be(key);
  finish(out, at);
}

void append_auth(Bytes& out, AuthCode code, ByteSpan payload) {
  std::size_t at = begin(out, msg::kAuthentication);
  ByteWriter w(out);
  w.i32_be(static_cast<std::int32_t>(code));
  w.bytes(payload);
  finish(out, at);
}

void append_auth_sasl_mechanisms(Bytes& out, const std::vector<std::string_view>& mechanisms) {
  std::size_t at = begin(out, msg::kAuthentication);
  ByteWriter w(out);
  w.i32_be(static_cast<std::int32_t>(AuthCode::sasl));
  for (auto m : mechanisms) w.cstring(m);
  w.u8(0);
  finish(out, at);
}

void append_negotiate_protocol_version(Bytes& out, std::int32_t newest_minor,
                                       const std::vector<std::string>& unrecognized) {
  std::size_t at = begin(out, msg::kNegotiateProtocolVersion);
  ByteWriter w(out);
  w.i32_be(newest_minor);
  w.i32_be(static_cast<std::int32_t>(unrecognized.size()));
  for (const auto& name : unrecognized) w.cstring(name);
  finish(out, at);
}

void append_query(Bytes& out, std::string_view sql) {
  std::size_t at = begin(out, msg::kQuery);
  ByteWriter(out).cstring(sql);
  finish(out, at);
}

void append_parse(Bytes& out, std::string_view name, std::string_view sql) {
  std::size_t at = begin(out, msg::kParse);
  ByteWriter w(out);
  w.cstring(name);
  w.cstring(sql);
  w.u16_be(0);  // no parameter types
  finish(out, at);
}

void append_parse(Bytes& out, std::string_view name, std::string_view sql, ByteSpan param_types) {
  std::size_t at = begin(out, msg::kParse);
  ByteWriter w(out);
  w.cstring(name);
  w.cstring(sql);
  if (param_types.empty()) {
    w.u16_be(0);
  } else {
    w.bytes(param_types);
  }
  finish(out, at);
}

namespace {
// Describe and Close share a layout: 'S' or 'P', then the name.
void append_target(Bytes& out, std::uint8_t type, char what, std::string_view name) {
  std::size_t at = begin(out, type);
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(what));
  w.cstring(name);
  finish(out, at);
}
}  // namespace

void append_describe(Bytes& out, char what, std::string_view name) {
  append_target(out, msg::kDescribe, what, name);
}

void append_close(Bytes& out, char what, std::string_view name) {
  append_target(out, msg::kClose, what, name);
}

void append_bind(Bytes& out, std::string_view portal, std::string_view statement, ByteSpan rest) {
  std::size_t at = begin(out, msg::kBind);
  ByteWriter w(out);
  w.cstring(portal);
  w.cstring(statement);
  w.bytes(rest);
  finish(out, at);
}

void append_bind_text(Bytes& out, const std::vector<std::string_view>& params) {
  std::size_t at = begin(out, msg::kBind);
  ByteWriter w(out);
  w.cstring("");  // unnamed portal
  w.cstring("");  // unnamed statement
  w.u16_be(0);    // all parameters in text format
  w.u16_be(static_cast<std::uint16_t>(params.size()));
  for (auto p : params) {
    w.u32_be(static_cast<std::uint32_t>(p.size()));
    w.bytes(as_bytes(p));
  }
  w.u16_be(0);  // all results in text format
  finish(out, at);
}

void append_execute(Bytes& out) {
  std::size_t at = begin(out, msg::kExecute);
  ByteWriter w(out);
  w.cstring("");  // unnamed portal
  w.u32_be(0);    // all rows
  finish(out, at);
}

void append_password(Bytes& out, std::string_view password) {
  std::size_t at = begin(out, msg::kPassword);
  ByteWriter(out).cstring(password);
  finish(out, at);
}

void append_sasl_initial_response(Bytes& out, std::string_view mechanism, std::string_view data) {
  std::size_t at = begin(out, msg::kPassword);
  ByteWriter w(out);
  w.cstring(mechanism);
  w.i32_be(static_cast<std::int32_t>(data.size()));
  w.bytes(data);
  finish(out, at);
}

void append_sasl_response(Bytes& out, std::string_view data) {
  std::size_t at = begin(out, msg::kPassword);
  ByteWriter(out).bytes(data);
  finish(out, at);
}

void append_terminate(Bytes& out) {
  finish(out, begin(out, msg::kTerminate));
}

void append_command_complete(Bytes& out, std::string_view tag) {
  std::size_t at = begin(out, 'C');
  ByteWriter w(out);
  w.cstring(tag);
  finish(out, at);
}

void append_sync(Bytes& out) {
  finish(out, begin(out, msg::kSync));
}

void append_startup(Bytes& out, const std::vector<std::pair<std::string, std::string>>& params) {
  std::size_t at = out.size();
  ByteWriter w(out);
  w.u32_be(0);
  w.u32_be(196608);  // protocol 3.0
  for (const auto& [k, v] : params) {
    w.cstring(k);
    w.cstring(v);
  }
  w.u8(0);
  w.patch_u32_be(at, static_cast<std::uint32_t>(out.size() - at));
}

void append_cancel_request(Bytes& out, std::uint32_t pid, std::uint32_t key) {
  ByteWriter w(out);
  w.u32_be(16);
  w.u32_be(80877102);
  w.u32_be(pid);
  w.u32_be(key);
}

Result<std::string_view> parse_query(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("Query");
  auto sql = r->cstring();
  if (!sql || !r->empty()) return malformed("Query");
  return *sql;
}

Result<std::string_view> parse_command_complete(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("CommandComplete");
  auto tag = r->cstring();
  if (!tag || !r->empty()) return malformed("CommandComplete");
  return *tag;
}

Result<Notification> parse_notification(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("NotificationResponse");
  auto pid = r->u32_be();
  auto channel = pid ? r->cstring() : std::nullopt;
  auto payload = channel ? r->cstring() : std::nullopt;
  if (!payload || !r->empty()) return malformed("NotificationResponse");
  return Notification{*pid, *channel, *payload};
}

Result<ParseMessage> parse_parse(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("Parse");
  auto name = r->cstring();
  auto sql = name ? r->cstring() : std::nullopt;
  auto count = sql ? r->u16_be() : std::nullopt;
  if (!count || r->remaining() != std::size_t{*count} * 4) return malformed("Parse");
  return ParseMessage{*name, *sql};
}

Result<ParseFull> parse_parse_full(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("Parse");
  auto name = r->cstring();
  auto sql = name ? r->cstring() : std::nullopt;
  if (!sql) return malformed("Parse");
  ByteSpan types = r->rest();
  auto count = r->u16_be();
  if (!count || r->remaining() != std::size_t{*count} * 4) return malformed("Parse");
  return ParseFull{*name, *sql, types};
}

Result<BindNames> parse_bind_names(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("Bind");
  auto portal = r->cstring();
  auto statement = portal ? r->cstring() : std::nullopt;
  if (!statement) return malformed("Bind");
  return BindNames{*portal, *statement, r->rest()};
}

Result<Target> parse_target(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("Describe/Close");
  auto what = r->u8();
  auto name = what ? r->cstring() : std::nullopt;
  if (!name || !r->empty() || (*what != 'S' && *what != 'P')) return malformed("Describe/Close");
  return Target{static_cast<char>(*what), *name};
}

Result<std::string_view> parse_execute_portal(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("Execute");
  auto portal = r->cstring();
  auto max_rows = portal ? r->u32_be() : std::nullopt;
  if (!max_rows || !r->empty()) return malformed("Execute");
  return *portal;
}

Result<char> parse_ready_for_query(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("ReadyForQuery");
  auto s = r->u8();
  if (!s || !r->empty() || (*s != 'I' && *s != 'T' && *s != 'E')) return malformed("ReadyForQuery");
  return static_cast<char>(*s);
}

Result<std::pair<std::uint32_t, std::uint32_t>> parse_backend_key_data(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("BackendKeyData");
  auto pid = r->u32_be();
  auto key = r->u32_be();
  if (!pid || !key || !r->empty()) return malformed("BackendKeyData");
  return std::pair{*pid, *key};
}

Result<std::pair<std::string_view, std::string_view>> parse_parameter_status(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("ParameterStatus");
  auto name = r->cstring();
  auto value = name ? r->cstring() : std::nullopt;
  if (!value || !r->empty()) return malformed("ParameterStatus");
  return std::pair{*name, *value};
}

Result<AuthRequest> parse_auth_request(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("Authentication");
  auto code = r->i32_be();
  if (!code) return malformed("Authentication");
  return AuthRequest{*code, r->rest()};
}

std::vector<std::string_view> parse_sasl_mechanisms(ByteSpan payload) {
  std::vector<std::string_view> out;
  ByteReader r(payload);
  while (auto name = r.cstring()) {
    if (name->empty()) break;
    out.push_back(*name);
  }
  return out;
}

Result<std::vector<std::pair<char, std::string_view>>> parse_error_fields(ByteSpan message) {
  auto r = body(message);
  if (!r) return malformed("ErrorResponse");
  std::vector<std::pair<char, std::string_view>> out;
  for (;;) {
    auto code = r->u8();
    if (!code) return malformed("ErrorResponse");
    if (*code == 0) break;
    auto value = r->cstring();
    if (!value) return malformed("ErrorResponse");
    out.emplace_back(static_cast<char>(*code), *value);
  }
  return out;
}

Result<std::size_t> parse_data_row(ByteSpan message, std::span<std::optional<ByteSpan>> columns) {
  auto r = body(message);
  if (!r || message[0] != 'D') return malformed("DataRow");
  auto count = r->u16_be();
  if (!count || *count > columns.size()) return malformed("DataRow");
  for (std::size_t i = 0; i < *count; ++i) {
    auto len = r->i32_be();
    if (!len || *len < -1) return malformed("DataRow");
    if (*len == -1) {
      columns[i] = std::nullopt;
      continue;
    }
    auto value = r->bytes(static_cast<std::size_t>(*len));
    if (!value) return malformed("DataRow");
    columns[i] = *value;
  }
  if (!r->empty()) return malformed("DataRow");
  return std::size_t{*count};
}

Result<SaslInitialResponse> parse_sasl_initial_response(ByteSpan message) {
  auto r = body(message);
  if (!r || message[0] != msg::kPassword) return malformed("SASLInitialResponse");
  auto mech = r->cstring();
  auto len = mech ? r->i32_be() : std::nullopt;
  if (!len) return malformed("SASLInitialResponse");
  if (*len == -1) {
    if (!r->empty()) return malformed("SASLInitialResponse");
    return SaslInitialResponse{*mech, {}};
  }
  if (*len < 0 || static_cast<std::size_t>(*len) != r->remaining())
    return malformed("SASLInitialResponse");
  return SaslInitialResponse{*mech, as_chars(r->rest())};
}

Result<std::string_view> parse_sasl_response(ByteSpan message) {
  auto r = body(message);
  if (!r || message[0] != msg::kPassword) return malformed("SASLResponse");
  return as_chars(r->rest());
}

Result<std::string_view> parse_password(ByteSpan message) {
  auto r = body(message);
  if (!r || message[0] != msg::kPassword) return malformed("PasswordMessage");
  auto pw = r->cstring();
  if (!pw || !r->empty()) return malformed("PasswordMessage");
  return *pw;
}

}  // namespace sw::pg::codec
