#include "proxy/pg/message_reader.hpp"

#include <cstring>

namespace sw::pg {

namespace {
// Per worker thread: buffers of idle readers, handed to the next reader that
// needs one, so idle clients hold none and busy ones do not malloc per read.
constexpr std::size_t kMaxSpares = 64;
thread_local std::vector<std::vector<std::uint8_t>> t_spares;
}  // namespace

void MessageReader::release() noexcept {
  if (begin_ != end_ || buf_.empty()) return;
  begin_ = end_ = 0;
  if (buf_.size() == initial_ && t_spares.size() < kMaxSpares) {
    t_spares.push_back(std::move(buf_));
  }
  std::vector<std::uint8_t>().swap(buf_);
}

void MessageReader::consume(std::size_t n) noexcept {
  begin_ += n;
  if (begin_ >= end_) begin_ = end_ = 0;
}

void MessageReader::maybe_shrink() noexcept {
  if (begin_ == end_ && buf_.size() > 4 * initial_) {
    std::vector<std::uint8_t>().swap(buf_);
    begin_ = end_ = 0;
  }
}

net::awaitable<Status> MessageReader::fill(net::Stream& stream, std::size_t need) {
  while (end_ - begin_ < need) {
    if (buf_.empty()) {
      if (need <= initial_ && !t_spares.empty() && t_spares.back().size() == initial_) {
        buf_ = std::move(t_spares.back());
        t_spares.pop_back();
      } else {
        buf_.resize(std::max(initial_, need));
      }
    }
    if (buf_.size() - begin_ < need) {
      // Move the unread bytes to the front, and grow if that is not enough.
      std::size_t have = end_ - begin_;
      if (begin_ > 0) {
        std::memmove(buf_.data(), buf_.data() + begin_, have);
        begin_ = 0;
        end_ = have;
      }
      if (buf_.size() < need) buf_.resize(std::max(need, buf_.size() * 2));
    }
    net::error_code ec;
    std::size_t n =
        co_await stream.read_some(net::asio::buffer(buf_.data() + end_, buf_.size() - end_), ec);
    if (ec) co_return make_error(Errc::io, ec.message());
    end_ += n;
  }
  co_return Status{};
}

}  // namespace sw::pg
