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

std::vector<std::shared_ptr<Budget>> PoolRegistry::budgets() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Budget>> out;
  out.reserve(budgets_.size());
  for (auto& [k, b] : budgets_) out.push_back(b);
  return out;
}

std::vector<PoolSnapshot> PoolRegistry::snapshot() {
  auto all = budgets();
  std::vector<PoolSnapshot> out;
  out.reserve(all.size());
  for (auto& b : all) out.push_back(b->snapshot());
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
