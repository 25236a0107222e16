#pragma once
// Packet framing: a 3-byte little-endian payload length and a 1-byte
// sequence id before every payload. A payload of 0xffffff bytes is continued
// by the next packet (large rows and statements are split at 16 MiB); the
// chain ends with a shorter packet, possibly empty. Pure functions over
// bytes: no sockets.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"

namespace sw::mysql {

inline constexpr std::size_t packet_header_size = 4;

struct PacketHeader {
  std::uint32_t length = 0;
  std::uint8_t seq = 0;
};

std::optional<PacketHeader> peek_header(ByteSpan buf) noexcept;

// A complete logical packet (one or more physical packets) at the start of
// a buffer.
struct LogicalPacket {
  std::size_t raw_size = 0;      // bytes including every header
  std::size_t payload_size = 0;  // the joined payload
  unsigned packets = 0;
  std::uint8_t next_seq = 0;  // the sequence id that must come next
};

// Finds the logical packet at the start of `buf`. Returns nullopt when more
// bytes are needed. Errors: a sequence id other than the expected one
// (protocol_violation), or a payload over `max_payload` — reported as soon
// as the headers announce it, before the bytes arrive (message_too_large).
Result<std::optional<LogicalPacket>> scan_logical_packet(ByteSpan buf, std::uint8_t expected_seq,
                                                         std::size_t max_payload);

// The payload of a single-packet logical packet, without copying.
ByteSpan single_payload(ByteSpan raw) noexcept;
// Appends the joined payload of `raw` (a complete logical packet) to `out`.
void join_payload(ByteSpan raw, Bytes& out);

// Appends `payload` framed as packets starting at `seq`, split at 16 MiB;
// returns the next sequence id.
std::uint8_t append_packets(Bytes& out, std::uint8_t seq, ByteSpan payload);

// Builds one packet in place: reserve the header, write the payload with a
// ByteWriter on the same buffer, then finish. Payloads over 16 MiB are split.
class PacketBuilder {
 public:
  explicit PacketBuilder(Bytes& out);
  // Writes the header(s); returns the next sequence id.
  std::uint8_t finish(std::uint8_t seq);

 private:
  Bytes& out_;
  std::size_t start_;
};

}  // namespace sw::mysql
