#pragma once
// The admin HTTP server: one SO_REUSEPORT listener per worker (like the SQL
// listeners), each connection a coroutine on the worker that accepted it.
// Routes live in the Router; token checks, limits and timeouts apply to
// every request before a handler sees it.
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "proxy/admin/auth.hpp"
#include "proxy/admin/router.hpp"
#include "proxy/core/live_config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/listener.hpp"
#include "proxy/net/tls.hpp"
#include "proxy/net/worker_pool.hpp"

namespace sw::admin {

// What a connection needs per request, swapped as a whole on reload.
struct Settings {
  AdminConfig config;
  TokenAuth auth;
  explicit Settings(const AdminConfig& c) : config(c), auth(c) {}
};

// Shared by the server and its connections (connections may outlive a
// close() by a few milliseconds, so they hold it by shared_ptr).
class ServerState {
 public:
  ServerState(const AdminConfig& config, std::shared_ptr<net::TlsContext> tls);
  std::shared_ptr<const Settings> settings() const;
  void update(const AdminConfig& config);

  Router router;
  net::ConnectionTracker tracker;
  std::shared_ptr<net::TlsContext> tls;  // null: plain HTTP

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const Settings> settings_;
};

// Serves one accepted connection until it closes (http_connection.cpp).
net::awaitable<void> serve_connection(std::shared_ptr<ServerState> state, net::tcp::socket socket,
                                      net::ConnectionSlot slot);

class AdminServer {
 public:
  AdminServer(net::WorkerPool& workers, const AdminConfig& config);

  // Routes must be added before start(); the table is read-only afterwards.
  Router& router() { return state_->router; }

  // Builds the TLS context and binds the port on every worker.
  Status open();
  void start();
  void close();
  // Tokens, limits and timeouts follow a reloaded config; the listen
  // address and TLS files need a restart.
  void apply(const AdminConfig& config) { state_->update(config); }
  std::uint16_t port() const { return listeners_.empty() ? 0 : listeners_.front()->port(); }
  std::uint32_t active_connections() const { return state_->tracker.active(); }

 private:
  net::WorkerPool& workers_;
  AdminConfig config_;
  std::shared_ptr<ServerState> state_;
  std::vector<std::unique_ptr<net::Listener>> listeners_;
};

}  // namespace sw::admin
