#include "proxy/net/listener.hpp"

#include "proxy/net/spawn.hpp"

#include <sys/socket.h>

#include <spdlog/spdlog.h>

namespace sw::net {

Result<std::unique_ptr<Listener>> Listener::open(asio::io_context& ctx, const Endpoint& endpoint,
                                                 SessionHandler handler,
                                                 ConnectionTracker& tracker) {
  error_code ec;
  auto address =
      asio::ip::make_address(endpoint.host == "localhost" ? "127.0.0.1" : endpoint.host, ec);
  if (ec)
    return make_error(Errc::config, "bad listen address " + endpoint.host + ": " + ec.message());
  tcp::endpoint ep(address, endpoint.port);
  tcp::acceptor acceptor(ctx);
  if (acceptor.open(ep.protocol(), ec); ec) return make_error(Errc::io, "socket: " + ec.message());
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  int one = 1;
  if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
    return make_error(Errc::io, "SO_REUSEPORT not available");
  if (acceptor.bind(ep, ec); ec)
    return make_error(Errc::io, "bind " + endpoint.to_string() + ": " + ec.message());
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    return make_error(Errc::io, "listen " + endpoint.to_string() + ": " + ec.message());
  return std::make_unique<Listener>(ctx, std::move(acceptor), std::move(handler), tracker);
}

Listener::Listener(asio::io_context& ctx, tcp::acceptor acceptor, SessionHandler handler,
                   ConnectionTracker& tracker)
    : ctx_(ctx), acceptor_(std::move(acceptor)), handler_(std::move(handler)), tracker_(tracker) {
  error_code ec;
  port_ = acceptor_.local_endpoint(ec).port();
}

void Listener::start() {
  spawn_logged(ctx_, accept_loop(), "accept loop");
}

void Listener::close() {
  asio::post(ctx_, [this] {
    error_code ec;
    acceptor_.close(ec);
  });
}

void Listener::set_handler(SessionHandler handler) {
  asio::post(ctx_,
             [this, handler = std::move(handler)]() mutable { handler_ = std::move(handler); });
}

awaitable<void> Listener::accept_loop() {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(nothrow(ec));
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      spdlog::warn("accept on port {}: {}", port_, ec.message());
      asio::steady_timer t(ctx_, std::chrono::milliseconds(50));
      co_await t.async_wait(nothrow(ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    spawn_logged(ctx_, handler_(std::move(socket), tracker_.acquire()), "session");
  }
}

}  // namespace sw::net
