#pragma once
// The byte stream the MySQL drivers read and write. Plain TCP until
// proxy/net/tls.hpp (net::Stream, shared with the PostgreSQL driver) is on
// main; this class mirrors its interface so the switch is a one-line alias.
#include "proxy/net/asio.hpp"

namespace sw::mysql {

class Stream {
 public:
  explicit Stream(net::tcp::socket socket) : plain_(std::move(socket)) {}

  bool is_tls() const noexcept { return false; }
  net::tcp::socket& socket() noexcept { return plain_; }

  net::awaitable<std::size_t> read_some(net::asio::mutable_buffer buffer, net::error_code& ec) {
    co_return co_await plain_.async_read_some(buffer, net::nothrow(ec));
  }

  template <class ConstBufferSequence>
  net::awaitable<void> write(const ConstBufferSequence& buffers, net::error_code& ec) {
    co_await net::asio::async_write(plain_, buffers, net::nothrow(ec));
  }

  void close() noexcept {
    net::error_code ignore;
    plain_.shutdown(net::tcp::socket::shutdown_both, ignore);
    plain_.close(ignore);
  }

 private:
  net::tcp::socket plain_;
};

}  // namespace sw::mysql
