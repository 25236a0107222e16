#include "proxy/pg/cancel_registry.hpp"

#include <openssl/rand.h>

namespace sw::pg {

namespace {
std::uint32_t random_u32() {
  std::uint32_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof(v));
  return v;
}
}  // namespace

CancelRegistry& CancelRegistry::instance() {
  static CancelRegistry registry;
  return registry;
}

ClientCancelKey CancelRegistry::add() {
  std::lock_guard lock(mutex_);
  for (;;) {
    // Positive, non-zero pids look like real backend pids to clients.
    std::uint32_t pid = (random_u32() & 0x7fffffffu) | 1u;
    if (entries_.count(pid)) continue;
    std::uint32_t key = random_u32();
    entries_.emplace(pid, Entry{key, std::nullopt});
    return {pid, key};
  }
}

void CancelRegistry::set_target(std::uint32_t client_pid, std::optional<CancelTarget> target) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(client_pid);
  if (it != entries_.end()) it->second.target = std::move(target);
}

void CancelRegistry::remove(std::uint32_t client_pid) {
  std::lock_guard lock(mutex_);
  entries_.erase(client_pid);
}

std::optional<CancelTarget> CancelRegistry::find(const ClientCancelKey& client) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(client.pid);
  if (it == entries_.end() || it->second.key != client.key) return std::nullopt;
  return it->second.target;
}

}  // namespace sw::pg
