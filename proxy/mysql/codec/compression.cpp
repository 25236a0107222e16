#include "proxy/mysql/codec/compression.hpp"

#include <zlib.h>

#include <algorithm>
#include <string>

namespace sw::mysql {

namespace {

std::uint32_t u24(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0] | (p[1] << 8) | (p[2] << 16));
}

void put_u24(std::uint8_t* p, std::size_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
  p[2] = static_cast<std::uint8_t>(v >> 16);
}

}  // namespace

Result<std::optional<CompressedPacket>> decode_compressed_packet(ByteSpan buf, Bytes& out) {
  if (buf.size() < compressed_header_size) return std::optional<CompressedPacket>{};
  std::uint32_t body = u24(buf.data());
  std::uint8_t seq = buf[3];
  std::uint32_t inflated = u24(buf.data() + 4);
  if (buf.size() < compressed_header_size + body) return std::optional<CompressedPacket>{};
  const std::uint8_t* src = buf.data() + compressed_header_size;
  if (inflated == 0) {
    out.insert(out.end(), src, src + body);
  } else {
    std::size_t at = out.size();
    out.resize(at + inflated);
    uLongf produced = inflated;
    int rc = ::uncompress(out.data() + at, &produced, src, body);
    if (rc != Z_OK || produced != inflated) {
      out.resize(at);
      return make_error(Errc::protocol_violation,
                        "compressed packet does not inflate to its announced " +
                            std::to_string(inflated) + " bytes");
    }
  }
  return std::optional<CompressedPacket>{CompressedPacket{compressed_header_size + body, seq}};
}

std::uint8_t append_compressed(Bytes& out, std::uint8_t seq, ByteSpan content) {
  std::size_t pos = 0;
  do {
    std::size_t n = std::min(content.size() - pos, max_compressed_chunk);
    const std::uint8_t* src = content.data() + pos;
    std::size_t header_at = out.size();
    out.resize(header_at + compressed_header_size);
    bool deflated = false;
    if (n >= min_compress_length) {
      uLongf bound = ::compressBound(n);
      out.resize(header_at + compressed_header_size + bound);
      uLongf produced = bound;
      int rc = ::compress(out.data() + header_at + compressed_header_size, &produced, src, n);
      if (rc == Z_OK && produced < n) {
        out.resize(header_at + compressed_header_size + produced);
        put_u24(out.data() + header_at, produced);
        put_u24(out.data() + header_at + 4, n);
        deflated = true;
      } else {
        out.resize(header_at + compressed_header_size);
      }
    }
    if (!deflated) {
      out.insert(out.end(), src, src + n);
      put_u24(out.data() + header_at, n);
      put_u24(out.data() + header_at + 4, 0);
    }
    out[header_at + 3] = seq;
    seq = static_cast<std::uint8_t>(seq + 1);
    pos += n;
  } while (pos < content.size());
  return seq;
}

void renumber_logical_packet(std::uint8_t* buf, std::size_t size,
                             std::uint8_t expected_seq) noexcept {
  constexpr std::size_t header = 4;
  constexpr std::uint32_t continued = 0xffffff;
  std::size_t pos = 0;
  while (pos + header <= size) {
    std::uint32_t length = u24(buf + pos);
    buf[pos + 3] = expected_seq;
    expected_seq = static_cast<std::uint8_t>(expected_seq + 1);
    if (length < continued) return;
    pos += header + length;
  }
}

}  // namespace sw::mysql
