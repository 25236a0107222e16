#include "proxy/mysql/session_handler.hpp"

#include <spdlog/spdlog.h>

#include "proxy/mysql/client_session.hpp"
#include "proxy/mysql/listener_context.hpp"
#include "proxy/mysql/pooling.hpp"

namespace sw::mysql {

net::SessionHandler make_session_handler(ConfigPtr config, const TenantConfig& tenant,
                                         const ListenerConfig& listener,
                                         std::shared_ptr<policy::StatementGate> gate,
                                         std::shared_ptr<audit_hook::AuditPort> audit) {
  auto ctx = std::make_shared<ListenerContext>();
  ctx->audit = std::move(audit);
  ctx->config = std::move(config);
  ctx->tenant = &tenant;
  ctx->listener = &listener;
  ctx->gate = std::move(gate);
  if (listener.client_tls.mode != TlsMode::disabled) {
    auto tls = net::make_server_tls_context(listener.client_tls);
    if (tls)
      ctx->client_tls = std::move(*tls);
    else  // sessions then refuse TLS requests, and plain logins when TLS is required
      spdlog::error("tenant {}: mysql client TLS unavailable: {}", tenant.name,
                    tls.error().message);
  }
  if (listener.server_tls.mode != TlsMode::disabled) {
    auto tls = net::make_client_tls_context(listener.server_tls);
    if (tls)
      ctx->server_tls = std::move(*tls);
    else
      spdlog::error("tenant {}: mysql backend TLS unavailable: {}", tenant.name,
                    tls.error().message);
  }
  // One MysqlPools per worker (this handler runs on one worker only),
  // created with the first client so it gets that worker's executor.
  auto pools = std::make_shared<std::shared_ptr<MysqlPools>>();
  return [ctx = std::shared_ptr<const ListenerContext>(std::move(ctx)), pools](
             net::tcp::socket socket, net::ConnectionSlot slot) -> net::awaitable<void> {
    if (!*pools) *pools = MysqlPools::make(socket.get_executor());
    auto session = std::make_unique<ClientSession>(ctx, *pools, std::move(socket), std::move(slot));
    co_await session->run();
  };
}

}  // namespace sw::mysql
