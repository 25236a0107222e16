#include "proxy/runtime.hpp"

#include <sys/resource.h>

#include <csignal>
#include <functional>
#include <memory>
#include <vector>

#include <spdlog/spdlog.h>

#include "policy/gate_factory.hpp"
#include "proxy/mysql/session_handler.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/listener.hpp"
#include "proxy/net/worker_pool.hpp"
#include "proxy/pg/session_handler.hpp"

namespace sw {

namespace {

using ListenerList = std::vector<std::unique_ptr<net::Listener>>;

using HandlerForWorker = std::function<net::SessionHandler(unsigned worker)>;

// Opens `endpoint` once on every worker so the kernel balances accepts.
bool open_on_all_workers(net::WorkerPool& workers, const Endpoint& endpoint,
                         const HandlerForWorker& handler, net::ConnectionTracker& tracker,
                         ListenerList& out) {
  for (unsigned i = 0; i < workers.size(); ++i) {
    auto listener = net::Listener::open(workers.context(i), endpoint, handler(i), tracker);
    if (!listener) {
      spdlog::critical("{}", listener.error().message);
      return false;
    }
    out.push_back(std::move(*listener));
  }
  return true;
}

// Every client and server connection is a descriptor: raise the soft limit
// to the hard one and say how many clients that allows.
void raise_fd_limit(const Config& config) {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return;
  if (r.rlim_cur < r.rlim_max) {
    rlim_t before = r.rlim_cur;
    r.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &r) != 0) r.rlim_cur = before;
  }
  std::uint64_t servers = 0;
  for (const auto& t : config.tenants) servers += t.pool.size + t.pool.reserve_size;
  constexpr std::uint64_t kReserved = 64;  // listeners, logs, cancel forwards, admin
  std::uint64_t limit = static_cast<std::uint64_t>(r.rlim_cur);
  std::uint64_t capacity = limit > servers + kReserved ? limit - servers - kReserved : 0;
  spdlog::info("file descriptor limit {}: room for about {} clients (max_client_connections {})",
               limit, capacity, config.server.max_client_connections);
  if (capacity < config.server.max_client_connections)
    spdlog::warn("max_client_connections {} exceeds what the descriptor limit allows ({})",
                 config.server.max_client_connections, capacity);
}

}  // namespace

int run_proxy(ConfigPtr config) {
  raise_fd_limit(*config);
  net::WorkerPool workers(config->server.workers);
  net::ConnectionTracker tracker(config->server.max_client_connections);
  ListenerList listeners;
  std::vector<std::shared_ptr<policy::StatementGate>> gates;
  for (unsigned i = 0; i < workers.size(); ++i) gates.push_back(policy::make_worker_gate(config));

  for (const auto& tenant : config->tenants) {
    if (tenant.postgres) {
      if (!open_on_all_workers(
              workers, tenant.postgres->listen,
              [&](unsigned w) {
                return pg::make_session_handler(config, tenant, *tenant.postgres, gates[w]);
              },
              tracker, listeners))
        return 1;
      spdlog::info("tenant {}: postgres on {} -> {}", tenant.name,
                   tenant.postgres->listen.to_string(), tenant.postgres->backend.to_string());
    }
    if (tenant.mysql) {
      if (!open_on_all_workers(
              workers, tenant.mysql->listen,
              [&](unsigned w) {
                return mysql::make_session_handler(config, tenant, *tenant.mysql, gates[w]);
              },
              tracker, listeners))
        return 1;
      spdlog::info("tenant {}: mysql on {} -> {}", tenant.name, tenant.mysql->listen.to_string(),
                   tenant.mysql->backend.to_string());
    }
  }

  net::asio::io_context signal_ctx(1);
  net::asio::signal_set signals(signal_ctx, SIGINT, SIGTERM);
  int received = 0;
  signals.async_wait([&](net::error_code ec, int sig) {
    if (!ec) received = sig;
  });
  std::signal(SIGPIPE, SIG_IGN);

  for (auto& l : listeners) l->start();
  workers.start();
  spdlog::info("sqlwarden ready: {} workers", workers.size());

  signal_ctx.run();  // returns after the first signal
  spdlog::info("signal {}: no new connections; draining {} for up to {}s", received,
               tracker.active(), config->server.shutdown_grace.count());
  tracker.start_draining();
  for (auto& l : listeners) l->close();

  // A second signal during the drain ends it at once.
  signal_ctx.restart();
  bool forced = false;
  signals.async_wait([&](net::error_code ec, int) { forced = !ec; });
  auto deadline = std::chrono::steady_clock::now() + config->server.shutdown_grace;
  while (tracker.active() > 0 && !forced && std::chrono::steady_clock::now() < deadline)
    signal_ctx.run_for(std::chrono::milliseconds(50));

  if (tracker.active() > 0) spdlog::warn("closing {} connections still open", tracker.active());
  workers.stop();
  workers.join();
  listeners.clear();
  spdlog::info("sqlwarden stopped");
  return 0;
}

}  // namespace sw
