#pragma once
// Process-wide registry of pool budgets, one per PoolKey, and per-worker
// shard maps. The admin server reads snapshot(); the drivers ask their
// worker's WorkerPools for the shard of a key.
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "pool/budget.hpp"
#include "pool/pool_key.hpp"
#include "pool/shard.hpp"
#include "pool/stats.hpp"
#include "proxy/core/config.hpp"

namespace sw::pool {

class PoolRegistry {
 public:
  static PoolRegistry& instance();

  // The budget of `key`, created with `config`'s limits on first use.
  std::shared_ptr<Budget> budget(const PoolKey& key, const PoolConfig& config);
  // Every pool's stats, all workers summed.
  std::vector<PoolSnapshot> snapshot();
  // Every pool's budget (pause/resume act on them).
  std::vector<std::shared_ptr<Budget>> budgets();

 private:
  std::mutex mu_;
  std::unordered_map<PoolKey, std::shared_ptr<Budget>, PoolKeyHash> budgets_;
};

// One worker's shards (single-threaded, like the worker).
class WorkerPools {
 public:
  WorkerPools(PoolRegistry& registry, Post post) : registry_(registry), post_(std::move(post)) {}
  ~WorkerPools();

  std::shared_ptr<Shard> shard(const PoolKey& key, const PoolConfig& config);
  // Every shard of this worker (for its maintenance timer).
  template <class F>
  void for_each(F&& f) {
    for (auto& [k, s] : shards_) f(*s);
  }

 private:
  PoolRegistry& registry_;
  Post post_;
  std::unordered_map<PoolKey, std::shared_ptr<Shard>, PoolKeyHash> shards_;
};

}  // namespace sw::pool
