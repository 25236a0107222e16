#include "proxy/mysql/session_handler.hpp"

#include "proxy/mysql/client_session.hpp"
#include "proxy/mysql/listener_context.hpp"

namespace sw::mysql {

net::SessionHandler make_session_handler(ConfigPtr config, const TenantConfig& tenant,
                                         const ListenerConfig& listener,
                                         std::shared_ptr<policy::StatementGate> gate) {
  auto ctx = std::make_shared<ListenerContext>();
  ctx->config = std::move(config);
  ctx->tenant = &tenant;
  ctx->listener = &listener;
  ctx->gate = std::move(gate);
  return [ctx = std::shared_ptr<const ListenerContext>(std::move(ctx))](
             net::tcp::socket socket, net::ConnectionSlot slot) -> net::awaitable<void> {
    auto session = std::make_unique<ClientSession>(ctx, std::move(socket), std::move(slot));
    co_await session->run();
  };
}

}  // namespace sw::mysql
