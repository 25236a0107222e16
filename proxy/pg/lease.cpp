#include "proxy/pg/lease.hpp"

#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "proxy/pg/server_exchange.hpp"

namespace sw::pg {

namespace {

// Shared between the waiting coroutine and the shard's grant callback, which
// may outlive the coroutine (a destroyed frame must not be touched).
struct WaitState {
  explicit WaitState(net::asio::any_io_executor ex) : timer(ex) {}
  net::asio::steady_timer timer;
  std::optional<pool::Grant> grant;
};

net::awaitable<std::optional<pool::Grant>> next_grant(const std::shared_ptr<pool::Shard>& shard) {
  auto now = pool::Clock::now();
  if (auto g = shard->try_acquire(now)) co_return g;
  auto state = std::make_shared<WaitState>(co_await net::asio::this_coro::executor);
  auto id = shard->wait(now, [state](pool::Grant g) {
    state->grant = std::move(g);
    state->timer.cancel();
  });
  if (!state->grant) {
    state->timer.expires_after(shard->config().client_wait_timeout);
    net::error_code ec;
    co_await state->timer.async_wait(net::nothrow(ec));
  }
  if (!state->grant && shard->cancel(id)) {
    pool::ShardCounters::add(shard->counters().wait_timeouts, 1);
    co_return std::nullopt;
  }
  co_return std::move(state->grant);
}

}  // namespace

net::awaitable<LeaseOutcome> lease_server(const std::shared_ptr<pool::Shard>& shard,
                                          const ServerLogin& login) {
  LeaseOutcome out;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    auto grant = co_await next_grant(shard);
    if (!grant) {
      out.sqlstate = "53300";
      out.message = fmt::format(
          "sqlwarden: no server connection in pool \"{}\" became free within {} ms "
          "(pool size {}; client_wait_timeout_ms)",
          shard->key().name(), shard->config().client_wait_timeout.count(), shard->config().size);
      co_return out;
    }
    using Kind = pool::Grant::Kind;
    if (grant->kind == Kind::failed) {
      out.sqlstate = "08006";
      out.message = "sqlwarden: pool \"" + shard->key().name() + "\": " + grant->problem;
      co_return out;
    }
    if (grant->kind == Kind::connect) {
      auto [server, failure] = co_await ServerConnection::open(login);
      if (!server) {
        shard->connect_failed();
        spdlog::warn("pg pool {}: backend login failed: {}", shard->key().name(), failure.problem);
        out.sqlstate = "08006";
        out.message = "sqlwarden: cannot reach the database server for pool \"" +
                      shard->key().name() + "\": " + failure.problem;
        out.server_error = std::move(failure.error_message);
        co_return out;
      }
      shard->connected();
      out.server = std::move(server);
      out.fresh = true;
      co_return out;
    }
    std::unique_ptr<ServerConnection> server(
        static_cast<ServerConnection*>(grant->server.release()));
    server->stop_watching();
    bool healthy = !server->broken() && server->reader().size() == 0;
    if (healthy && grant->check_first) {
      const std::string& q = shard->config().server_check_query;
      auto r =
          co_await run_internal(*server, q.empty() ? std::string_view(";") : std::string_view(q));
      healthy = r && r->ok() && server->tx_status() == 'I';
    }
    if (!healthy) {
      shard->release(std::move(server), false, pool::Clock::now());
      continue;
    }
    out.server = std::move(server);
    co_return out;
  }
  out.sqlstate = "08006";
  out.message = "sqlwarden: pool \"" + shard->key().name() + "\" has no healthy connection";
  co_return out;
}

void return_server(pool::Shard& shard, std::unique_ptr<ServerConnection> server, bool reusable) {
  reusable =
      reusable && !server->broken() && server->tx_status() == 'I' && server->reader().size() == 0;
  if (reusable) server->watch_while_idle();
  shard.release(std::move(server), reusable, pool::Clock::now());
}

}  // namespace sw::pg
