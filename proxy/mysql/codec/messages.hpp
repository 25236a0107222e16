#pragma once
// Generic response packets (OK, ERR, EOF), the authentication exchange
// packets (AuthSwitchRequest, AuthMoreData) and COM_CHANGE_USER. Encoders
// append a payload; parsers read one and check every length.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"

namespace sw::mysql {

struct OkPacket {
  std::uint64_t affected_rows = 0;
  std::uint64_t last_insert_id = 0;
  std::uint16_t status = 0;
  std::uint16_t warnings = 0;
};

struct ErrPacket {
  std::uint16_t code = 0;
  std::string sqlstate;  // 5 characters
  std::string message;
};

void encode_ok(const OkPacket& ok, std::uint32_t capabilities, Bytes& out);
void encode_err(const ErrPacket& err, Bytes& out);
void encode_eof(std::uint16_t warnings, std::uint16_t status, Bytes& out);

// OK packets start with 0x00, or 0xfe as a result set terminator under DEPRECATE_EOF.
std::optional<OkPacket> parse_ok(ByteSpan payload);
std::optional<ErrPacket> parse_err(ByteSpan payload);
// The status flags of a result set terminator: a 5-byte EOF packet or an
// OK packet with the 0xfe header.
std::optional<std::uint16_t> terminator_status(ByteSpan payload);

struct AuthSwitch {
  std::string plugin;
  std::string data;  // without the trailing NUL
};
void encode_auth_switch(const AuthSwitch& s, Bytes& out);
std::optional<AuthSwitch> parse_auth_switch(ByteSpan payload);

// 0x01 + data.
void encode_auth_more_data(std::string_view data, Bytes& out);

struct ChangeUser {
  std::string user;
  std::string auth_response;
  std::string database;
  std::uint16_t charset = 0;
  std::string auth_plugin;
  std::string connect_attrs;
};
// `capabilities`: the negotiated ones, which decide the optional fields.
Result<ChangeUser> parse_change_user(ByteSpan payload, std::uint32_t capabilities);
void encode_change_user(const ChangeUser& c, std::uint32_t capabilities, Bytes& out);

// One row of a text result set (COM_QUERY): `columns` length-encoded
// strings, 0xfb for NULL. nullopt when the payload is not such a row.
using TextRow = std::vector<std::optional<std::string>>;
std::optional<TextRow> parse_text_row(ByteSpan payload, std::size_t columns);

}  // namespace sw::mysql
