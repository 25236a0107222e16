#include "proxy/runtime.hpp"

#include <sys/resource.h>

#include <csignal>
#include <functional>
#include <memory>

#include <spdlog/spdlog.h>

#include "audit/trail.hpp"
#include "proxy/admin/audit_routes.hpp"
#include "proxy/admin/basic_routes.hpp"
#include "proxy/admin/collector_routes.hpp"
#include "proxy/admin/dashboard_routes.hpp"
#include "proxy/admin/operator_routes.hpp"
#include "proxy/admin/server.hpp"
#include "proxy/admin/tool_routes.hpp"
#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/live_config.hpp"
#include "proxy/core/version.hpp"
#include "proxy/listener_set.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/worker_pool.hpp"
#include "proxy/reload.hpp"
#include "proxy/tenants/cloning_routes.hpp"
#include "proxy/tenants/tenant_manager.hpp"

namespace sw {

namespace {

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

collector::RegistryOptions collector_options(const CollectorsConfig& c) {
  collector::RegistryOptions o;
  o.state_dir = c.state_dir;
  o.offline_after = c.offline_after;
  o.max_batch_queries = c.max_batch_queries;
  o.max_digests = c.max_digests;
  return o;
}

}  // namespace

int run_proxy(ConfigPtr config, tools::ToolsConfig tools_config, std::string config_path) {
  raise_fd_limit(*config);
  net::WorkerPool workers(config->server.workers);
  net::ConnectionTracker tracker(config->server.max_client_connections);
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

  // Tenant clones ([cloning]): the registry brings every tenant listener
  // back; the snapshot served is the file's plus the tenants.
  const ConfigPtr file_config = config;
  std::unique_ptr<tenants::TenantManager> tenant_manager;
  if (!config_path.empty()) {
    auto cloning = tenants::load_cloning_config_file(config_path);
    if (!cloning.problems.empty()) {
      for (const auto& p : cloning.problems) spdlog::critical("{}: {}", config_path, p);
      return 1;
    }
    if (cloning.config.enabled) {
      tenant_manager = std::make_unique<tenants::TenantManager>(cloning.config, file_config);
      auto composed = tenant_manager->start();
      if (composed) {
        auto with_tenants = tenant_manager->compose(file_config);
        if (with_tenants)
          config = *with_tenants;
        else
          composed = with_tenants.error();
      }
      if (!composed) {
        spdlog::critical("cloning: {}", composed.error().message);
        return 1;
      }
    }
  }

  // The AI tools' executor: a client of this process's own listeners, on
  // threads of its own.
  tools::ToolExecutor tool_executor(config, tools_config);
  tools::McpServer mcp(tool_executor, SQLWARDEN_VERSION);

  LiveConfig live(config);
  ListenerSet listeners(workers, tracker);
  if (audit_trail) listeners.set_audit(*audit_trail);
  if (auto opened = listeners.apply(config, /*started=*/false); !opened) {
    spdlog::critical("{}", opened.error().message);
    return 1;
  }

  net::asio::io_context signal_ctx(1);
  net::asio::signal_set signals(signal_ctx, SIGINT, SIGTERM);
  net::asio::signal_set hangup(signal_ctx, SIGHUP);
  int received = 0;

  std::unique_ptr<collector::Registry> collectors;  // outlives the admin server's routes
  std::unique_ptr<admin::AdminServer> admin_server;
  if (config->admin.enabled)
    admin_server = std::make_unique<admin::AdminServer>(workers, config->admin);
  std::unique_ptr<Reloader> reloader;
  if (!config_path.empty())
    reloader = std::make_unique<Reloader>(config_path, live, listeners, tracker, admin_server.get(),
                                          &tool_executor);
  if (reloader && tenant_manager) {
    reloader->set_overlay(
        [m = tenant_manager.get()](const ConfigPtr& file) { return m->compose(file); }, file_config,
        tools_config);
    tenant_manager->set_apply([r = reloader.get()] { return r->reapply(); });
  }

  if (admin_server) {
    admin::Operations ops;
    if (reloader) ops.reload = [&reloader] { return reloader->reload(); };
    ops.shutdown = [&] {
      net::asio::post(signal_ctx, [&] {
        if (received == 0) received = SIGTERM;
        net::error_code ignore;
        signals.cancel(ignore);
      });
    };
    admin::add_basic_routes(admin_server->router(), live);
    admin::add_operator_routes(admin_server->router(), live, std::move(ops));
    admin::add_dashboard_routes(admin_server->router());
    admin::add_tool_routes(admin_server->router(), tool_executor, mcp);
    if (audit_trail) admin::add_audit_routes(admin_server->router(), *audit_trail);
    if (config->collectors.enabled()) {
      auto opened = collector::Registry::open(collector_options(config->collectors));
      if (!opened) {
        spdlog::critical("collectors: {}", opened.error().message);
        return 1;
      }
      collectors = std::move(*opened);
      admin::add_collector_routes(admin_server->router(), *collectors);
    }
    tenants::add_cloning_routes(admin_server->router(), tenant_manager.get());
    if (auto opened = admin_server->open(); !opened) {
      spdlog::critical("{}", opened.error().message);
      return 1;
    }
    spdlog::info("admin HTTP on {}://{}",
                 config->admin.tls.mode == TlsMode::disabled ? "http" : "https",
                 config->admin.listen.to_string());
  }

  signals.async_wait([&](net::error_code ec, int sig) {
    if (!ec) received = sig;
    net::error_code ignore;
    hangup.cancel(ignore);
  });
  // SIGHUP: reload and wait for the next one (on this thread; the workers
  // keep serving while the file is read).
  std::function<void()> wait_hangup = [&] {
    hangup.async_wait([&](net::error_code ec, int) {
      if (ec) return;
      if (reloader) {
        spdlog::info("SIGHUP: reloading {}", config_path);
        reloader->reload();
      } else {
        spdlog::warn("SIGHUP ignored: no --config file to reload");
      }
      wait_hangup();
    });
  };
  wait_hangup();
  std::signal(SIGPIPE, SIG_IGN);

  listeners.start_all();
  if (admin_server) admin_server->start();
  workers.start();
  spdlog::info("sqlwarden ready: {} workers", workers.size());

  signal_ctx.run();  // returns after SIGINT/SIGTERM or an admin shutdown
  spdlog::info("signal {}: no new connections; draining {} for up to {}s", received,
               tracker.active(), live.get()->server.shutdown_grace.count());
  tracker.start_draining();
  listeners.close_all();
  if (admin_server) admin_server->close();

  // A second signal during the drain ends it at once.
  signal_ctx.restart();
  bool forced = false;
  net::asio::signal_set again(signal_ctx, SIGINT, SIGTERM);
  again.async_wait([&](net::error_code ec, int) { forced = !ec; });
  auto deadline = std::chrono::steady_clock::now() + live.get()->server.shutdown_grace;
  while (tracker.active() > 0 && !forced && std::chrono::steady_clock::now() < deadline)
    signal_ctx.run_for(std::chrono::milliseconds(50));

  if (tracker.active() > 0) spdlog::warn("closing {} connections still open", tracker.active());
  workers.stop();
  workers.join();
  audit_trail.reset();
  spdlog::info("sqlwarden stopped");
  return 0;
}

}  // namespace sw
