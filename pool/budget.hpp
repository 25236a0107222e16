#pragma once
// The process-wide part of one pool: how many server connections of the key
// exist (open or logging in) across all workers, and which worker shards
// are starving (have waiters but no connection). The only shared, locked
// state of pooling; shards touch it when a connection is created or
// destroyed, never per transaction.
//
// `size` is a hard limit the backend observes. Rebalancing: each shard is
// due a part of `size` in proportion to the clients it serves (at least 1);
// a shard with waiters that holds less than its due marks itself starving,
// and every other shard is asked (through its own executor) to shed an idle
// connection; a shard that releases a connection while another shard starves
// closes it instead of keeping it, unless it holds no more than its own due
// and its waiters are older. Every slot given back wakes one starving shard,
// which then opens a connection of its own. Workers that are merely busy
// (waiters everywhere, each at its due) keep their connections: closing one
// per release would make every transaction pay a backend login. Connections
// never cross threads: each worker's sockets stay on its io_context.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "pool/pool_key.hpp"
#include "pool/stats.hpp"

namespace sw::pool {

class Shard;

class Budget : public std::enable_shared_from_this<Budget> {
 public:
  Budget(PoolKey key, std::uint32_t size, std::uint32_t reserve_size, std::uint32_t max_clients)
      : key_(std::move(key)), size_(size), reserve_(reserve_size), max_clients_(max_clients) {}

  const PoolKey& key() const noexcept { return key_; }
  std::uint32_t size() const noexcept { return size_; }
  std::uint32_t in_use() const noexcept { return used_.load(std::memory_order_relaxed); }

  // Takes one connection slot; `reserve` allows up to size + reserve_size.
  bool try_take(bool reserve = false) noexcept;
  // Returns a slot and wakes one starving shard, if any.
  void give_back();

  // Client admission (max_client_connections per pool; 0 = unlimited).
  bool admit_client() noexcept;
  void leave_client() noexcept;
  std::uint32_t clients() const noexcept { return clients_.load(std::memory_order_relaxed); }

  void attach(const std::shared_ptr<Shard>& shard);
  void detach(const Shard* shard);
  // A shard has waiters it cannot serve (true) or no longer (false).
  void set_starving(const Shard* shard, bool starving);
  // Asks every other shard to close one idle connection if it has no waiters.
  void request_shed(const Shard* starving);
  std::size_t shard_count();
  // Whether a starving shard other than `self` has a waiter older than
  // `since` (fairness across workers: the oldest waiter anywhere goes first).
  bool peer_waiting_since_before(const Shard* self, std::int64_t since_ns);
  bool anyone_starving() const noexcept {
    return starving_count_.load(std::memory_order_relaxed) > 0;
  }

  // PgBouncer's PAUSE / RESUME: while paused no server connection is lent
  // (clients wait in their shard's queue, client_wait_timeout still
  // applies); leases already out end at their transaction's end as usual,
  // so a pause is complete once servers_active reaches 0. Resume wakes
  // every shard's waiters.
  void pause() noexcept { paused_.store(true, std::memory_order_release); }
  void resume();
  bool paused() const noexcept { return paused_.load(std::memory_order_acquire); }

  // Sums the counters of every live shard.
  PoolSnapshot snapshot();

 private:
  void request_shed_locked(const Shard* starving);

  PoolKey key_;
  const std::uint32_t size_;
  const std::uint32_t reserve_;
  const std::uint32_t max_clients_;
  std::atomic<std::uint32_t> used_{0};
  std::atomic<std::uint32_t> clients_{0};
  std::atomic<std::uint32_t> starving_count_{0};
  std::atomic<bool> paused_{false};
  std::mutex mu_;
  std::vector<std::weak_ptr<Shard>> shards_;
  std::vector<std::weak_ptr<Shard>> starving_;  // FIFO: the longest starving is woken first
};

}  // namespace sw::pool
