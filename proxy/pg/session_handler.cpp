#include "proxy/pg/session_handler.hpp"

#include <spdlog/spdlog.h>

#include "proxy/net/spawn.hpp"
#include "proxy/pg/client_session.hpp"
#include "proxy/pg/lease.hpp"
#include "proxy/pg/listener_context.hpp"

namespace sw::pg {

namespace {

constexpr std::chrono::seconds kMaintenanceInterval{1};

// Opens one connection for min_idle and hands it to the pool.
net::awaitable<void> open_idle(std::shared_ptr<pool::Shard> shard, ServerLogin login) {
  auto [server, failure] = co_await ServerConnection::open(login);
  if (!server) {
    spdlog::warn("pg pool {}: min_idle connect failed: {}", shard->key().name(), failure.problem);
    shard->connect_failed();
    co_return;
  }
  server->watch_while_idle();
  shard->add_idle(std::move(server), pool::Clock::now());
}

// The worker's pool housekeeping: idle timeouts, lifetimes, reserve,
// min_idle refill (with the shard's backoff after failures).
net::awaitable<void> maintain_pools(std::weak_ptr<ListenerContext> weak) {
  net::asio::steady_timer timer(co_await net::asio::this_coro::executor);
  for (;;) {
    timer.expires_after(kMaintenanceInterval);
    net::error_code ec;
    co_await timer.async_wait(net::nothrow(ec));
    auto ctx = weak.lock();
    if (ec || !ctx) co_return;
    auto now = pool::Clock::now();
    std::vector<std::pair<std::shared_ptr<pool::Shard>, std::uint32_t>> connects;
    ctx->pools->for_each([&](pool::Shard& shard) {
      if (auto n = shard.maintain(now)) connects.emplace_back(shard.shared_from_this(), n);
    });
    for (auto& [shard, n] : connects) {
      auto it = ctx->pool_logins.find(shard->key());
      for (std::uint32_t i = 0; i < n; ++i) {
        if (it == ctx->pool_logins.end()) {
          shard->connect_failed();
          continue;
        }
        net::spawn_logged(timer.get_executor(), open_idle(shard, it->second), "pg pool min_idle");
      }
    }
  }
}

}  // namespace

std::shared_ptr<pool::Shard> ListenerContext::shard(const net::asio::any_io_executor& ex,
                                                    const pool::PoolKey& key,
                                                    const ServerLogin& login) {
  if (!pools) {
    pools = std::make_unique<pool::WorkerPools>(
        pool::PoolRegistry::instance(),
        [ex](std::function<void()> f) { net::asio::post(ex, std::move(f)); });
    net::spawn_logged(ex, maintain_pools(weak_from_this()), "pg pool maintenance");
  }
  pool_logins.try_emplace(key, login);
  return pools->shard(key, tenant->pool);
}

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
                                         std::shared_ptr<policy::StatementGate> gate,
                                         std::shared_ptr<audit_hook::AuditPort> audit) {
  auto ctx = ListenerContext::make(std::move(config), tenant, listener, std::move(gate));
  ctx->audit = std::move(audit);
  return [ctx](net::tcp::socket socket, net::ConnectionSlot slot) -> net::awaitable<void> {
    auto session = std::make_shared<ClientSession>(ctx, std::move(socket), std::move(slot));
    co_await session->run();
  };
}

}  // namespace sw::pg
