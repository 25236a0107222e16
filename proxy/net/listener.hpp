#pragma once
// A TCP listener on one worker. The same endpoint is opened once per worker
// (SO_REUSEPORT); each accepted socket is handed to the protocol's session
// coroutine on the worker that accepted it.
#include <functional>
#include <memory>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/asio.hpp"
#include "proxy/net/connection_tracker.hpp"

namespace sw::net {

using SessionHandler = std::function<awaitable<void>(tcp::socket, ConnectionSlot)>;

class Listener {
 public:
  static Result<std::unique_ptr<Listener>> open(asio::io_context& ctx, const Endpoint& endpoint,
                                                SessionHandler handler, ConnectionTracker& tracker);

  void start();  // spawns the accept loop on the listener's context
  void close();  // thread-safe: posts the close to the listener's context
  // Thread-safe: connections accepted after the post use `handler`; those
  // already running keep what they were started with (config reload).
  void set_handler(SessionHandler handler);
  std::uint16_t port() const { return port_; }

  Listener(asio::io_context& ctx, tcp::acceptor acceptor, SessionHandler handler,
           ConnectionTracker& tracker);

 private:
  awaitable<void> accept_loop();

  asio::io_context& ctx_;
  tcp::acceptor acceptor_;
  SessionHandler handler_;
  ConnectionTracker& tracker_;
  std::uint16_t port_ = 0;
};

}  // namespace sw::net
