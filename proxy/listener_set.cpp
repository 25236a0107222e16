#include "proxy/listener_set.hpp"

#include <spdlog/spdlog.h>

#include "policy/gate_factory.hpp"
#include "proxy/mysql/session_handler.hpp"
#include "proxy/pg/session_handler.hpp"

namespace sw {

namespace {

struct Wanted {
  const TenantConfig* tenant;
  const ListenerConfig* listener;
  Protocol protocol;
};

std::string key_of(const Wanted& w) {
  return w.tenant->name + "/" + protocol_name(w.protocol) + "/" + w.listener->listen.to_string();
}

net::SessionHandler make_handler(const ConfigPtr& config, const Wanted& w,
                                 const std::shared_ptr<policy::StatementGate>& gate,
                                 std::shared_ptr<audit_hook::AuditPort> audit) {
  if (w.protocol == Protocol::postgres)
    return pg::make_session_handler(config, *w.tenant, *w.listener, gate, std::move(audit));
  return mysql::make_session_handler(config, *w.tenant, *w.listener, gate, std::move(audit));
}

}  // namespace

void ListenerSet::set_audit(audit::AuditTrail& trail) {
  std::lock_guard lock(mutex_);
  audit_.clear();
  for (unsigned i = 0; i < workers_.size(); ++i) {
    auto wakeups = std::make_shared<audit_hook::Wakeups>();
    trail.set_notifier(i, [ex = workers_.context(i).get_executor(), wakeups] {
      net::asio::post(ex, [wakeups] { wakeups->wake_all(); });
    });
    audit_.push_back(std::make_shared<audit_hook::AuditPort>(trail, i, std::move(wakeups)));
  }
}

Status ListenerSet::apply(const ConfigPtr& config, bool started) {
  std::lock_guard lock(mutex_);
  auto audit_port = [this](unsigned i) {
    return i < audit_.size() ? audit_[i] : std::shared_ptr<audit_hook::AuditPort>();
  };
  std::map<std::string, Wanted> wanted;
  for (const auto& tenant : config->tenants) {
    if (tenant.postgres) {
      Wanted w{&tenant, &*tenant.postgres, Protocol::postgres};
      wanted.emplace(key_of(w), w);
    }
    if (tenant.mysql) {
      Wanted w{&tenant, &*tenant.mysql, Protocol::mysql};
      wanted.emplace(key_of(w), w);
    }
  }
  // One gate per worker for this snapshot (profiles may have changed).
  std::vector<std::shared_ptr<policy::StatementGate>> gates;
  for (unsigned i = 0; i < workers_.size(); ++i) gates.push_back(policy::make_worker_gate(config));

  // Open the new ones first: a failure leaves everything as it was.
  std::map<std::string, Group> opened;
  for (const auto& [key, w] : wanted) {
    if (groups_.count(key)) continue;
    Group group;
    for (unsigned i = 0; i < workers_.size(); ++i) {
      auto listener =
          net::Listener::open(workers_.context(i), w.listener->listen,
                              make_handler(config, w, gates[i], audit_port(i)), tracker_);
      if (!listener)
        return make_error(listener.error().code,
                          "tenant " + w.tenant->name + ": " + listener.error().message);
      group.push_back(std::move(*listener));
    }
    opened.emplace(key, std::move(group));
  }
  for (auto it = groups_.begin(); it != groups_.end();) {
    auto w = wanted.find(it->first);
    if (w == wanted.end()) {
      spdlog::info("listener {} closed (running sessions continue)", it->first);
      for (auto& l : it->second) {
        l->close();
        retired_.push_back(std::move(l));
      }
      it = groups_.erase(it);
      continue;
    }
    for (unsigned i = 0; i < it->second.size(); ++i)
      it->second[i]->set_handler(make_handler(config, w->second, gates[i], audit_port(i)));
    ++it;
  }
  for (auto& [key, group] : opened) {
    const Wanted& w = wanted.at(key);
    spdlog::info("tenant {}: {} on {} -> {}", w.tenant->name, protocol_name(w.protocol),
                 w.listener->listen.to_string(), w.listener->backend.to_string());
    if (started)
      for (auto& l : group) l->start();
    groups_.emplace(key, std::move(group));
  }
  return {};
}

void ListenerSet::start_all() {
  std::lock_guard lock(mutex_);
  for (auto& [key, group] : groups_)
    for (auto& l : group) l->start();
}

void ListenerSet::close_all() {
  std::lock_guard lock(mutex_);
  for (auto& [key, group] : groups_)
    for (auto& l : group) l->close();
}

}  // namespace sw
