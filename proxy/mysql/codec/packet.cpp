#include "proxy/mysql/codec/packet.hpp"

#include <algorithm>
#include <string>

#include "proxy/mysql/codec/constants.hpp"

namespace sw::mysql {

std::optional<PacketHeader> peek_header(ByteSpan buf) noexcept {
  if (buf.size() < packet_header_size) return std::nullopt;
  return PacketHeader{static_cast<std::uint32_t>(buf[0] | (buf[1] << 8) | (buf[2] << 16)), buf[3]};
}

Result<std::optional<LogicalPacket>> scan_logical_packet(ByteSpan buf, std::uint8_t expected_seq,
                                                         std::size_t max_payload) {
  LogicalPacket lp;
  std::uint8_t seq = expected_seq;
  std::size_t pos = 0;
  for (;;) {
    auto h = peek_header(buf.subspan(pos));
    if (!h) return std::optional<LogicalPacket>{};
    if (h->seq != seq)
      return make_error(Errc::protocol_violation, "packet sequence id " + std::to_string(h->seq) +
                                                      ", expected " + std::to_string(seq));
    if (lp.payload_size + h->length > max_payload)
      return make_error(Errc::message_too_large,
                        "packet of more than " + std::to_string(max_payload) + " bytes");
    lp.payload_size += h->length;
    ++lp.packets;
    seq = static_cast<std::uint8_t>(seq + 1);
    pos += packet_header_size + h->length;
    if (pos > buf.size()) return std::optional<LogicalPacket>{};
    if (h->length < max_packet_payload) break;
  }
  lp.raw_size = pos;
  lp.next_seq = seq;
  return std::optional<LogicalPacket>{lp};
}

ByteSpan single_payload(ByteSpan raw) noexcept {
  auto h = peek_header(raw);
  if (!h) return {};
  return raw.subspan(packet_header_size, std::min<std::size_t>(h->length, raw.size() - 4));
}

void join_payload(ByteSpan raw, Bytes& out) {
  std::size_t pos = 0;
  while (auto h = peek_header(raw.subspan(pos))) {
    std::size_t n = std::min<std::size_t>(h->length, raw.size() - pos - packet_header_size);
    auto part = raw.subspan(pos + packet_header_size, n);
    out.insert(out.end(), part.begin(), part.end());
    pos += packet_header_size + n;
    if (h->length < max_packet_payload) break;
  }
}

namespace {
void put_header(std::uint8_t* at, std::uint32_t len, std::uint8_t seq) {
  at[0] = static_cast<std::uint8_t>(len);
  at[1] = static_cast<std::uint8_t>(len >> 8);
  at[2] = static_cast<std::uint8_t>(len >> 16);
  at[3] = seq;
}
}  // namespace

std::uint8_t append_packets(Bytes& out, std::uint8_t seq, ByteSpan payload) {
  std::size_t pos = 0;
  for (;;) {
    std::size_t n = std::min<std::size_t>(payload.size() - pos, max_packet_payload);
    std::size_t at = out.size();
    out.resize(at + packet_header_size);
    put_header(out.data() + at, static_cast<std::uint32_t>(n), seq);
    out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(pos),
               payload.begin() + static_cast<std::ptrdiff_t>(pos + n));
    seq = static_cast<std::uint8_t>(seq + 1);
    pos += n;
    if (n < max_packet_payload) return seq;
  }
}

PacketBuilder::PacketBuilder(Bytes& out) : out_(out), start_(out.size()) {
  out_.resize(start_ + packet_header_size);
}

std::uint8_t PacketBuilder::finish(std::uint8_t seq) {
  std::size_t len = out_.size() - start_ - packet_header_size;
  if (len < max_packet_payload) {
    put_header(out_.data() + start_, static_cast<std::uint32_t>(len), seq);
    return static_cast<std::uint8_t>(seq + 1);
  }
  Bytes payload(out_.begin() + static_cast<std::ptrdiff_t>(start_ + packet_header_size),
                out_.end());
  out_.resize(start_);
  return append_packets(out_, seq, payload);
}

}  // namespace sw::mysql
