#include "proxy/net/connect.hpp"

namespace sw::net {

awaitable<Result<tcp::socket>> connect_backend(const Endpoint& backend,
                                               std::chrono::milliseconds timeout) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  tcp::socket socket(ex);
  asio::steady_timer timer(ex, timeout);
  bool timed_out = false;
  timer.async_wait([&](error_code ec) {
    if (ec) return;
    timed_out = true;
    resolver.cancel();
    error_code ignore;
    socket.close(ignore);
  });
  error_code ec;
  auto results =
      co_await resolver.async_resolve(backend.host, std::to_string(backend.port), nothrow(ec));
  if (!ec) co_await asio::async_connect(socket, results, nothrow(ec));
  timer.cancel();
  if (timed_out)
    co_return make_error(Errc::timeout,
                         "connecting to backend " + backend.to_string() + " timed out");
  if (ec)
    co_return make_error(Errc::io,
                         "cannot connect to backend " + backend.to_string() + ": " + ec.message());
  socket.set_option(tcp::no_delay(true), ec);
  co_return std::move(socket);
}

}  // namespace sw::net
