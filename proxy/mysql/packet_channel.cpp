#include "proxy/mysql/packet_channel.hpp"

#include <algorithm>
#include <cstring>

#include "proxy/mysql/codec/compression.hpp"
#include "proxy/mysql/codec/constants.hpp"

namespace sw::mysql {

PacketChannel::PacketChannel(Stream stream, std::size_t initial_buffer)
    : stream_(std::move(stream)), in_(initial_buffer), initial_(initial_buffer) {}

void PacketChannel::consume(std::size_t n) noexcept {
  begin_ += n;
  if (begin_ >= end_) begin_ = end_ = 0;
}

void PacketChannel::shrink() {
  std::size_t compressed_pending = compressed_in_end_ - compressed_in_begin_;
  if (compressed_in_.size() > initial_ && compressed_pending <= initial_) {
    Bytes smaller(initial_);
    std::memcpy(smaller.data(), compressed_in_.data() + compressed_in_begin_, compressed_pending);
    compressed_in_begin_ = 0;
    compressed_in_end_ = compressed_pending;
    compressed_in_.swap(smaller);
  }
  if (in_.size() <= initial_ || end_ - begin_ > initial_) return;
  Bytes smaller(initial_);
  std::memcpy(smaller.data(), in_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  in_.swap(smaller);
}

void PacketChannel::release_buffer() noexcept {
  if (begin_ != end_) return;
  begin_ = end_ = 0;
  Bytes().swap(in_);
  Bytes().swap(inflated_);
  Bytes().swap(out_);
  if (compressed_in_end_ == compressed_in_begin_) {
    compressed_in_begin_ = compressed_in_end_ = 0;
    Bytes().swap(compressed_in_);
  }
}

void PacketChannel::start_compression() {
  compressed_ = true;
  compressed_seq_ = 0;
  // Whatever is buffered arrived after the login: compressed already.
  compressed_in_.assign(in_.begin() + static_cast<std::ptrdiff_t>(begin_),
                        in_.begin() + static_cast<std::ptrdiff_t>(end_));
  compressed_in_begin_ = 0;
  compressed_in_end_ = compressed_in_.size();
  begin_ = end_ = 0;
}

net::awaitable<Status> PacketChannel::fill_compressed() {
  for (;;) {
    inflated_.clear();
    ByteSpan pending(compressed_in_.data() + compressed_in_begin_,
                     compressed_in_end_ - compressed_in_begin_);
    auto frame = decode_compressed_packet(pending, inflated_);
    if (!frame) co_return std::move(frame).error();
    if (*frame) {
      compressed_in_begin_ += (*frame)->raw_size;
      if (compressed_in_begin_ == compressed_in_end_) compressed_in_begin_ = compressed_in_end_ = 0;
      // The answer to what this packet carried continues its sequence.
      compressed_seq_ = static_cast<std::uint8_t>((*frame)->seq + 1);
      if (inflated_.empty()) continue;
      if (in_.empty()) in_.resize(initial_);
      if (in_.size() - end_ < inflated_.size()) {
        std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        if (in_.size() - end_ < inflated_.size()) in_.resize(end_ + inflated_.size());
      }
      std::memcpy(in_.data() + end_, inflated_.data(), inflated_.size());
      end_ += inflated_.size();
      if (inflated_.capacity() > 2 * initial_) Bytes().swap(inflated_);
      co_return Status{};
    }
    // Room for the whole compressed packet (its header says how large).
    if (compressed_in_begin_ > 0) {
      std::memmove(compressed_in_.data(), pending.data(), pending.size());
      compressed_in_begin_ = 0;
      compressed_in_end_ = pending.size();
    }
    std::size_t want = compressed_header_size;
    if (compressed_in_end_ >= 3)
      want += static_cast<std::size_t>(compressed_in_[0] | (compressed_in_[1] << 8) |
                                       (compressed_in_[2] << 16));
    if (compressed_in_.size() < std::max(want, initial_))
      compressed_in_.resize(std::max(want, initial_));
    net::error_code ec;
    std::size_t n =
        co_await stream_.read_some(net::asio::buffer(compressed_in_.data() + compressed_in_end_,
                                                     compressed_in_.size() - compressed_in_end_),
                                   ec);
    if (ec) co_return make_error(Errc::io, ec.message());
    compressed_in_end_ += n;
  }
}

net::awaitable<Status> PacketChannel::fill(std::size_t at_most) {
  if (compressed_) co_return co_await fill_compressed();
  if (in_.empty()) in_.resize(initial_);
  if (begin_ > 0 && end_ == in_.size()) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == in_.size()) in_.resize(in_.size() * 2);
  net::error_code ec;
  std::size_t room = in_.size() - end_;
  if (at_most > 0 && at_most < room) room = at_most;
  std::size_t n = co_await stream_.read_some(net::asio::buffer(in_.data() + end_, room), ec);
  if (ec) co_return make_error(Errc::io, ec.message());
  end_ += n;
  co_return Status{};
}

net::awaitable<Result<RawPacket>> PacketChannel::read_packet(std::uint8_t expected_seq,
                                                             std::size_t max_payload) {
  if (in_.empty()) in_.resize(initial_);
  for (;;) {
    // Compressed: the inner sequence ids are the proxy's to set.
    if (compressed_) renumber_logical_packet(in_.data() + begin_, end_ - begin_, expected_seq);
    auto scan = scan_logical_packet(buffered(), expected_seq, max_payload);
    if (!scan) co_return std::move(scan).error();
    if (*scan) {
      const LogicalPacket& lp = **scan;
      co_return RawPacket{buffered().first(lp.raw_size), lp};
    }
    // Make room for the whole packet when its header says it is large.
    if (auto h = peek_header(buffered())) {
      std::size_t want = packet_header_size + h->length + packet_header_size;
      if (begin_ + want > in_.size() && want > in_.size() - (end_ - begin_)) {
        std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
        if (want > in_.size()) in_.resize(want);
      }
    }
    if (auto st = co_await fill(); !st) co_return std::move(st).error();
  }
}

net::awaitable<Result<RawPacket>> PacketChannel::read_packet_exact(std::uint8_t expected_seq,
                                                                   std::size_t max_payload) {
  if (in_.empty()) in_.resize(initial_);
  for (;;) {
    auto scan = scan_logical_packet(buffered(), expected_seq, max_payload);
    if (!scan) co_return std::move(scan).error();
    if (*scan) {
      const LogicalPacket& lp = **scan;
      co_return RawPacket{buffered().first(lp.raw_size), lp};
    }
    std::size_t have = end_ - begin_;
    std::size_t want = packet_header_size;
    if (auto h = peek_header(buffered())) {
      if (h->length >= max_packet_payload)
        co_return make_error(Errc::protocol_violation, "split packet during login");
      want += h->length;
    }
    if (begin_ + want > in_.size()) {
      std::memmove(in_.data(), in_.data() + begin_, have);
      begin_ = 0;
      end_ = have;
      if (want > in_.size()) in_.resize(want);
    }
    if (auto st = co_await fill(want - have); !st) co_return std::move(st).error();
  }
}

ByteSpan PacketChannel::wire_bytes(ByteSpan bytes) {
  if (!compressed_) return bytes;
  out_.clear();
  compressed_seq_ = append_compressed(out_, compressed_seq_, bytes);
  return out_;
}

net::awaitable<Status> PacketChannel::write(ByteSpan bytes) {
  ByteSpan wire = wire_bytes(bytes);
  net::error_code ec;
  co_await stream_.write(net::asio::buffer(wire.data(), wire.size()), ec);
  if (out_.capacity() > 4 * max_compressed_chunk) Bytes().swap(out_);
  if (ec) co_return make_error(Errc::io, ec.message());
  co_return Status{};
}

net::awaitable<Status> PacketChannel::write_command(ByteSpan bytes) {
  begin_command();
  co_return co_await write(bytes);
}

}  // namespace sw::mysql
