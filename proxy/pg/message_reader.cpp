#include "proxy/pg/message_reader.hpp"

#include <cstring>

namespace sw::pg {

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
    if (buf_.empty()) buf_.resize(std::max(initial_, need));
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
