#include "pool/registry.hpp"

namespace sw::pool {

PoolRegistry& PoolRegistry::instance() {
  static PoolRegistry registry;
  return registry;
}

std::shared_ptr<Budget> PoolRegistry::budget(const PoolKey& key, const PoolConfig& config) {
  std::lock_guard lock(mu_);
  auto& b = budgets_[key];
  if (!b)
    b = std::make_shared<Budget>(key, config.size, config.reserve_size,
                                 config.max_client_connections);
  return b;
}

std::vector<PoolSnapshot> PoolRegistry::snapshot() {
  std::vector<std::shared_ptr<Budget>> budgets;
  {
    std::lock_guard lock(mu_);
    for (auto& [k, b] : budgets_) budgets.push_back(b);
  }
  std::vector<PoolSnapshot> out;
  out.reserve(budgets.size());
  for (auto& b : budgets) out.push_back(b->snapshot());
  return out;
}

WorkerPools::~WorkerPools() {
  for (auto& [k, s] : shards_) s->shutdown();
}

std::shared_ptr<Shard> WorkerPools::shard(const PoolKey& key, const PoolConfig& config) {
  auto& s = shards_[key];
  if (!s) s = Shard::make(registry_.budget(key, config), config, post_);
  return s;
}

}  // namespace sw::pool
