#pragma once
// One side of a MySQL connection as the drivers see it: a stream plus an
// input buffer that yields whole logical packets (commands, login packets)
// or raw chunks (relaying a server's answer without buffering it whole).
#include <cstdint>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"
#include "proxy/mysql/codec/packet.hpp"
#include "proxy/mysql/stream.hpp"

namespace sw::mysql {

struct RawPacket {
  ByteSpan raw;  // every header and payload byte, valid until consume()/the next read
  LogicalPacket info;
};

class PacketChannel {
 public:
  PacketChannel(Stream stream, std::size_t initial_buffer);

  Stream& stream() noexcept { return stream_; }

  // Waits for a complete logical packet. Errors: io (peer gone), plus those
  // of scan_logical_packet. The packet stays buffered until consume().
  net::awaitable<Result<RawPacket>> read_packet(std::uint8_t expected_seq, std::size_t max_payload);
  // Like read_packet, but never reads past the packet's last byte: what
  // follows an SSLRequest is the peer's TLS ClientHello, which belongs to
  // the TLS layer, not to this buffer. Single-packet only.
  net::awaitable<Result<RawPacket>> read_packet_exact(std::uint8_t expected_seq,
                                                      std::size_t max_payload);
  // Reads at least one more byte into the buffer (for relaying).
  net::awaitable<Status> fill(std::size_t at_most = 0);
  ByteSpan buffered() const noexcept { return {in_.data() + begin_, end_ - begin_}; }
  // The same bytes, writable: the proxy patches a statement id in place.
  std::uint8_t* buffered_mut() noexcept { return in_.data() + begin_; }
  void consume(std::size_t n) noexcept;
  // Gives back memory a large packet made the buffer grow to.
  void shrink();
  // Frees the buffer while nothing is buffered (an idle client holds none);
  // the next read allocates it again.
  void release_buffer() noexcept;

  net::awaitable<Status> write(ByteSpan bytes);
  void close() noexcept { stream_.close(); }

 private:
  Stream stream_;
  Bytes in_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t initial_;
};

}  // namespace sw::mysql
