#pragma once
// One side of a MySQL connection as the drivers see it: a stream plus an
// input buffer that yields whole logical packets (commands, login packets)
// or raw chunks (relaying a server's answer without buffering it whole).
// With the compressed protocol on (CLIENT_COMPRESS, after the login) the
// channel inflates what it reads and deflates what it writes, so the
// drivers see ordinary packets either way; each side of the proxy
// negotiates it on its own.
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

  // From now on both directions use the compressed protocol. Bytes already
  // buffered count as compressed input.
  void start_compression();
  bool compressed() const noexcept { return compressed_; }
  // A command starts: the compressed sequence goes back to 0, as both ends
  // do at every command (the proxy as client before writing one, as server
  // before reading one). A no-op without compression.
  void begin_command() noexcept { compressed_seq_ = 0; }
  // Bytes that arrived and are not consumed yet, inflated or not: the peer
  // spoke.
  bool has_input() const noexcept {
    return begin_ != end_ || compressed_in_begin_ != compressed_in_end_;
  }

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

  // Writes whole or partial packets (deflated into compressed packets when
  // compression is on).
  net::awaitable<Status> write(ByteSpan bytes);
  // begin_command() then write(): the proxy sends a command to a server.
  net::awaitable<Status> write_command(ByteSpan bytes);
  // `bytes` as they go on the wire (framed when compressed), for a last
  // write outside this channel (COM_QUIT on close). Valid until the next write.
  ByteSpan wire_bytes(ByteSpan bytes);
  void close() noexcept { stream_.close(); }

 private:
  // Compressed mode: reads until one compressed packet is whole and
  // inflates it into in_. One at a time, so the sequence a command's
  // answer continues is that of the packet that carried the command.
  net::awaitable<Status> fill_compressed();

  Stream stream_;
  Bytes in_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
  std::size_t initial_;
  bool compressed_ = false;
  std::uint8_t compressed_seq_ = 0;
  Bytes compressed_in_;  // compressed bytes read, not yet inflated
  std::size_t compressed_in_begin_ = 0;
  std::size_t compressed_in_end_ = 0;
  Bytes inflated_;
  Bytes out_;  // the compressed form of a write
};

}  // namespace sw::mysql
