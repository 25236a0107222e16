#include "proxy/net/graceful_close.hpp"

#include <array>

namespace sw::net {

awaitable<void> close_gracefully(Stream& stream, asio::const_buffer goodbye,
                                 std::chrono::milliseconds wait) {
  error_code ec;
  if (goodbye.size() != 0)
    co_await stream.write(goodbye, ec);
  else
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (!ec) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex, wait);
    timer.async_wait([&stream](error_code e) {
      if (e) return;
      error_code ignore;
      stream.socket().cancel(ignore);  // the server did not close in time
    });
    // Whatever the server still says (a farewell notice) is discarded.
    std::array<unsigned char, 512> sink{};
    while (!ec) co_await stream.read_some(asio::buffer(sink), ec);
    timer.cancel();
  }
  stream.close();
}

}  // namespace sw::net
