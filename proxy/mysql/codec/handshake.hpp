#pragma once
// The connection phase: the server's Handshake v10 greeting and the
// client's HandshakeResponse41 (or its 32-byte SSLRequest prefix). Encoders
// append a payload to a buffer (frame it with PacketBuilder); parsers take a
// payload and check every length against it.
#include <cstdint>
#include <optional>
#include <string>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"

namespace sw::mysql {

struct Greeting {
  std::string server_version;
  std::uint32_t connection_id = 0;
  std::string scramble;  // 20 bytes
  std::uint32_t capabilities = 0;
  std::uint32_t ext_capabilities = 0;  // MariaDB (ext_cap), when CLIENT_MYSQL is clear
  std::uint8_t charset = 0;
  std::uint16_t status = 0;
  std::string auth_plugin;
};

void encode_greeting(const Greeting& g, Bytes& out);
Result<Greeting> parse_greeting(ByteSpan payload);

struct HandshakeResponse {
  std::uint32_t capabilities = 0;
  std::uint32_t ext_capabilities = 0;  // MariaDB (ext_cap), when CLIENT_MYSQL is clear
  std::uint32_t max_packet = 0;
  std::uint8_t charset = 0;
  bool ssl_request = false;  // only the 32-byte prefix: TLS comes next
  std::string user;
  std::string auth_response;
  std::optional<std::string> database;
  std::string auth_plugin;
  std::string connect_attrs;  // the key/value block, without its length prefix
};

Result<HandshakeResponse> parse_handshake_response(ByteSpan payload);
// The value of connection attribute `key` in a connect_attrs block; empty
// when absent or when the block is malformed.
std::string connect_attribute(std::string_view attrs, std::string_view key);
void encode_handshake_response(const HandshakeResponse& r, Bytes& out);
// The SSLRequest: the first 32 bytes of a response with cap::ssl set.
void encode_ssl_request(std::uint32_t capabilities, std::uint32_t max_packet, std::uint8_t charset,
                        Bytes& out, std::uint32_t ext_capabilities = 0);

}  // namespace sw::mysql
