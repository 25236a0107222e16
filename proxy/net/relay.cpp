#include "proxy/net/relay.hpp"

#include <array>
#include <memory>

#include "proxy/net/spawn.hpp"

namespace sw::net {

namespace {

struct RelayState {
  tcp::socket client;
  tcp::socket server;
  RelayStats stats;
  void close_both() {
    error_code ignore;
    client.shutdown(tcp::socket::shutdown_both, ignore);
    server.shutdown(tcp::socket::shutdown_both, ignore);
    client.close(ignore);
    server.close(ignore);
  }
};

awaitable<void> pump(std::shared_ptr<RelayState> state, tcp::socket& from, tcp::socket& to,
                     std::uint64_t& counter) {
  std::array<std::uint8_t, 8192> buf;
  for (;;) {
    error_code ec;
    std::size_t n = co_await from.async_read_some(asio::buffer(buf), nothrow(ec));
    if (ec) break;
    co_await asio::async_write(to, asio::buffer(buf.data(), n), nothrow(ec));
    if (ec) break;
    counter += n;
  }
  state->close_both();
}

}  // namespace

awaitable<RelayStats> relay(tcp::socket client, tcp::socket server) {
  auto state = std::make_shared<RelayState>(RelayState{std::move(client), std::move(server), {}});
  auto ex = co_await asio::this_coro::executor;
  // The server→client direction runs as its own coroutine; the shared state
  // keeps both sockets alive until the slower direction finishes.
  spawn_logged(ex, pump(state, state->server, state->client, state->stats.server_to_client),
               "relay");
  co_await pump(state, state->client, state->server, state->stats.client_to_server);
  co_return state->stats;
}

}  // namespace sw::net
