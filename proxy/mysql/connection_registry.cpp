#include "proxy/mysql/connection_registry.hpp"

namespace sw::mysql {

ConnectionRegistry& ConnectionRegistry::instance() {
  static ConnectionRegistry registry;
  return registry;
}

std::uint32_t ConnectionRegistry::add(const std::string& tenant) {
  std::lock_guard lock(mutex_);
  for (;;) {
    std::uint32_t id = next_++;
    if (next_ == 0) next_ = 1;
    if (id == 0 || entries_.contains(id)) continue;
    entries_[id].tenant = tenant;
    return id;
  }
}

void ConnectionRegistry::set_target(std::uint32_t id, const Endpoint& backend,
                                    std::uint32_t thread_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  it->second.backend = backend;
  it->second.thread_id = thread_id;
}

void ConnectionRegistry::set_closer(std::uint32_t id, std::function<void()> close_client) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end()) it->second.close_client = std::move(close_client);
}

void ConnectionRegistry::remove(std::uint32_t id) {
  std::lock_guard lock(mutex_);
  entries_.erase(id);
}

std::optional<KillTarget> ConnectionRegistry::find(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  // Still logging in: not a session KILL can name yet.
  if (it == entries_.end() || (it->second.thread_id == 0 && !it->second.close_client))
    return std::nullopt;
  return it->second;
}

}  // namespace sw::mysql
