#include "proxy/runtime.hpp"

#include <csignal>
#include <functional>
#include <memory>
#include <vector>

#include <spdlog/spdlog.h>

#include "audit/trail.hpp"
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

}  // namespace

int run_proxy(ConfigPtr config) {
  net::WorkerPool workers(config->server.workers);
  net::ConnectionTracker tracker(config->server.max_client_connections);
  ListenerList listeners;
  std::vector<std::shared_ptr<policy::StatementGate>> gates;
  for (unsigned i = 0; i < workers.size(); ++i) gates.push_back(policy::make_worker_gate(config));

  // One audit queue per worker; the trail outlives every worker (it is
  // destroyed after join, which drains the queues and writes audit_stop).
  std::unique_ptr<audit::AuditTrail> audit_trail;
  if (config->audit.enabled) {
    auto trail = audit::AuditTrail::start(*config, workers.size());
    if (!trail) {
      spdlog::critical("audit: {}", trail.error().message);
      return 1;
    }
    audit_trail = std::move(*trail);
  }

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
  audit_trail.reset();
  spdlog::info("sqlwarden stopped");
  return 0;
}

}  // namespace sw
