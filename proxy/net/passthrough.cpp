#include "proxy/net/passthrough.hpp"

#include <spdlog/spdlog.h>

#include "proxy/net/connect.hpp"
#include "proxy/net/relay.hpp"

namespace sw::net {

SessionHandler make_passthrough_handler(Endpoint backend,
                                        std::chrono::milliseconds connect_timeout) {
  return [backend = std::move(backend), connect_timeout](tcp::socket client,
                                                         ConnectionSlot slot) -> awaitable<void> {
    if (!slot.admitted()) co_return;  // over max_client_connections: close
    auto server = co_await connect_backend(backend, connect_timeout);
    if (!server) {
      spdlog::warn("passthrough: {}", server.error().message);
      co_return;
    }
    co_await relay(std::move(client), std::move(*server));
  };
}

}  // namespace sw::net
