#include "proxy/pg/session_handler.hpp"

#include <spdlog/spdlog.h>

#include "proxy/pg/client_session.hpp"
#include "proxy/pg/listener_context.hpp"

namespace sw::pg {

std::shared_ptr<ListenerContext> ListenerContext::make(
    ConfigPtr config, const TenantConfig& tenant, const ListenerConfig& listener,
    std::shared_ptr<policy::StatementGate> gate) {
  auto ctx = std::make_shared<ListenerContext>();
  ctx->config = std::move(config);
  ctx->tenant = &tenant;
  ctx->listener = &listener;
  ctx->gate = std::move(gate);
  if (listener.client_tls.mode != TlsMode::disabled) {
    auto tls = net::make_server_tls_context(listener.client_tls);
    if (tls) {
      ctx->client_tls = std::move(*tls);
    } else {
      ctx->tls_problem = tls.error().message;
      spdlog::error("tenant {}: postgres client TLS unavailable: {}", tenant.name,
                    ctx->tls_problem);
    }
  }
  if (listener.server_tls.mode != TlsMode::disabled) {
    auto tls = net::make_client_tls_context(listener.server_tls);
    if (tls) {
      ctx->server_tls = std::move(*tls);
    } else {
      ctx->tls_problem = tls.error().message;
      spdlog::error("tenant {}: postgres backend TLS unavailable: {}", tenant.name,
                    ctx->tls_problem);
    }
  }
  return ctx;
}

net::SessionHandler make_session_handler(ConfigPtr config, const TenantConfig& tenant,
                                         const ListenerConfig& listener,
                                         std::shared_ptr<policy::StatementGate> gate) {
  auto ctx = ListenerContext::make(std::move(config), tenant, listener, std::move(gate));
  return [ctx](net::tcp::socket socket, net::ConnectionSlot slot) -> net::awaitable<void> {
    auto session = std::make_shared<ClientSession>(ctx, std::move(socket), std::move(slot));
    co_await session->run();
  };
}

}  // namespace sw::pg
