#pragma once
// Closing a backend connection so that the backend has let go of it before
// we say it is gone: the protocol's goodbye (PostgreSQL Terminate, MySQL
// COM_QUIT) is written, then the socket is read until the server closes its
// end — a PostgreSQL backend leaves pg_stat_activity and a MariaDB thread
// leaves Threads_connected before the kernel closes the socket — or until
// `wait` passes. The pool gives a connection's slot back only afterwards, so
// a backend never counts more than the pool's size even while connections
// are being replaced. An empty `goodbye` is for a connection caught
// mid-exchange, where a goodbye would be read as data (a MySQL server
// waiting for LOCAL INFILE content takes any packet as file bytes): the
// sending side is shut down instead, which every server reads as the end.
#include <chrono>
#include <functional>
#include <memory>

#include "proxy/net/asio.hpp"
#include "proxy/net/spawn.hpp"
#include "proxy/net/tls.hpp"

namespace sw::net {

// Long enough for a backend that is merely busy; a hung one is cut off.
inline constexpr std::chrono::milliseconds kGoodbyeWait{2000};

awaitable<void> close_gracefully(Stream& stream, asio::const_buffer goodbye,
                                 std::chrono::milliseconds wait);

// Runs `(conn->*close)()` on `ex` in the background, then destroys the
// connection and calls `gone` (the pool's slot comes back only then).
template <class Conn>
void close_in_background(const asio::any_io_executor& ex, std::unique_ptr<Conn> conn,
                         awaitable<void> (Conn::*close)(), std::function<void()> gone) {
  spawn_logged(
      ex,
      [](std::unique_ptr<Conn> c, awaitable<void> (Conn::*fn)(),
         std::function<void()> done) -> awaitable<void> {
        co_await ((*c).*fn)();
        c.reset();
        done();
      }(std::move(conn), close, std::move(gone)),
      "closing a server connection");
}

}  // namespace sw::net
