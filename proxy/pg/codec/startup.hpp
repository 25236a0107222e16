#pragma once
// The untyped packets a client may open a connection with: StartupMessage,
// SSLRequest, GSSENCRequest and CancelRequest (int32 length, int32 code).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"

namespace sw::pg::codec {

constexpr std::uint32_t kMaxStartupPacket = 10000;  // PostgreSQL's MAX_STARTUP_PACKET_LENGTH
constexpr std::uint32_t kSslRequestCode = 80877103;
constexpr std::uint32_t kGssEncRequestCode = 80877104;
constexpr std::uint32_t kCancelRequestCode = 80877102;

struct StartupPacket {
  enum class Kind { startup, ssl_request, gssenc_request, cancel_request };
  Kind kind = Kind::startup;
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
  // StartupMessage parameters in the order sent (user, database, options, ...).
  std::vector<std::pair<std::string, std::string>> params;
  // CancelRequest.
  std::uint32_t cancel_pid = 0;
  std::uint32_t cancel_key = 0;

  const std::string* param(std::string_view name) const;
};

// Length of the startup packet at the start of `buffered`, once 4 bytes are
// there; an error when it is outside [8, kMaxStartupPacket + 4] (PostgreSQL
// bounds the length without its own 4 bytes).
Result<std::optional<std::uint32_t>> startup_packet_length(ByteSpan buffered);

// Parses one whole startup packet (length prefix included).
Result<StartupPacket> parse_startup_packet(ByteSpan packet);

}  // namespace sw::pg::codec
