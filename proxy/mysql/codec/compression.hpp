#pragma once
// The compressed protocol (CLIENT_COMPRESS, zlib). After the login each
// direction's stream of ordinary packets travels inside compressed packets
// of its own: a 7-byte header — 3-byte length of what follows, a 1-byte
// compressed sequence id, the 3-byte length of the content once inflated
// (0: stored as is) — then the zlib stream or the stored bytes. Packet
// boundaries inside need not match: an ordinary packet may span compressed
// packets and one compressed packet may carry several. Pure functions over
// bytes: no sockets.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"

namespace sw::mysql {

inline constexpr std::size_t compressed_header_size = 7;
// Content shorter than this is sent stored, as servers do: zlib cannot win there.
inline constexpr std::size_t min_compress_length = 50;
// The content of one compressed packet the proxy writes, at most: larger
// writes are cut into several (the 3-byte lengths allow 16 MiB - 1).
inline constexpr std::size_t max_compressed_chunk = 1u << 20;

struct CompressedPacket {
  std::size_t raw_size = 0;  // header and body, as on the wire
  std::uint8_t seq = 0;
};

// Decodes the compressed packet at the start of `buf` and appends its
// content to `out`. nullopt when more bytes are needed. Errors
// (protocol_violation): a zlib stream that does not inflate to exactly the
// announced length.
Result<std::optional<CompressedPacket>> decode_compressed_packet(ByteSpan buf, Bytes& out);

// Appends `content` as compressed packets numbered from `seq` (deflated
// when at least min_compress_length bytes and smaller that way, stored
// otherwise); returns the next sequence id. Empty content is one empty packet.
std::uint8_t append_compressed(Bytes& out, std::uint8_t seq, ByteSpan content);

// Inside compressed packets the ordinary packets' sequence ids carry no
// meaning (Connector/C writes 0 in every one; servers check only the
// compressed ids). Sets them in place to what the uncompressed protocol
// expects of the logical packet at the start of `buf` — `expected_seq`,
// then one more for each 16 MiB continuation — as far as its headers have
// arrived, so it can be checked and relayed to a peer that counts.
void renumber_logical_packet(std::uint8_t* buf, std::size_t size,
                             std::uint8_t expected_seq) noexcept;

}  // namespace sw::mysql
