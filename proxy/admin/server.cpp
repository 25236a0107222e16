#include "proxy/admin/server.hpp"

#include <spdlog/spdlog.h>

#include "proxy/admin/blocking.hpp"

namespace sw::admin {

net::asio::thread_pool& blocking_pool() {
  static net::asio::thread_pool pool(2);
  return pool;
}

ServerState::ServerState(const AdminConfig& config, std::shared_ptr<net::TlsContext> tls_context)
    : tracker(config.max_connections),
      tls(std::move(tls_context)),
      settings_(std::make_shared<const Settings>(config)) {}

std::shared_ptr<const Settings> ServerState::settings() const {
  std::lock_guard lock(mutex_);
  return settings_;
}

void ServerState::update(const AdminConfig& config) {
  auto next = std::make_shared<const Settings>(config);
  tracker.set_max(config.max_connections);
  std::lock_guard lock(mutex_);
  settings_ = std::move(next);
}

AdminServer::AdminServer(net::WorkerPool& workers, const AdminConfig& config)
    : workers_(workers), config_(config), state_(std::make_shared<ServerState>(config, nullptr)) {}

Status AdminServer::open() {
  if (config_.tls.mode != TlsMode::disabled) {
    auto tls = net::make_server_tls_context(config_.tls);
    if (!tls) return make_error(Errc::config, "admin TLS: " + tls.error().message);
    state_->tls = std::move(*tls);
  }
  auto state = state_;
  for (unsigned i = 0; i < workers_.size(); ++i) {
    auto listener = net::Listener::open(
        workers_.context(i), config_.listen,
        [state](net::tcp::socket socket, net::ConnectionSlot slot) {
          return serve_connection(state, std::move(socket), std::move(slot));
        },
        state_->tracker);
    if (!listener) return make_error(Errc::io, "admin: " + listener.error().message);
    listeners_.push_back(std::move(*listener));
  }
  return {};
}

void AdminServer::start() {
  for (auto& l : listeners_) l->start();
}

void AdminServer::close() {
  for (auto& l : listeners_) l->close();
}

}  // namespace sw::admin
