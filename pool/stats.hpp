#pragma once
// Per-pool counters in PgBouncer's SHOW POOLS / SHOW STATS vocabulary. Each
// shard's counters are written by its own worker only and read by anyone
// (the admin server) through relaxed atomics, so the data path takes no
// lock; a snapshot sums the shards of one key.
#include <atomic>
#include <cstdint>
#include <string>

#include "pool/pool_key.hpp"

namespace sw::pool {

struct ShardCounters {
  // gauges
  std::atomic<std::uint32_t> clients_active{0};   // attached clients not waiting
  std::atomic<std::uint32_t> clients_waiting{0};  // waiting for a server connection
  std::atomic<std::uint32_t> servers_active{0};   // leased to a client
  std::atomic<std::uint32_t> servers_idle{0};     // in the idle list, ready
  std::atomic<std::uint32_t> servers_login{0};    // connecting / logging in
  std::atomic<std::uint64_t> max_wait_us{0};      // oldest current waiter's wait so far
  // totals since start
  std::atomic<std::uint64_t> transactions{0};
  std::atomic<std::uint64_t> queries{0};
  std::atomic<std::uint64_t> bytes_received{0};  // from clients
  std::atomic<std::uint64_t> bytes_sent{0};      // to clients
  std::atomic<std::uint64_t> xact_time_us{0};
  std::atomic<std::uint64_t> query_time_us{0};
  std::atomic<std::uint64_t> wait_time_us{0};
  std::atomic<std::uint64_t> waits{0};  // leases that had to wait
  std::atomic<std::uint64_t> server_connects{0};
  std::atomic<std::uint64_t> server_connect_failures{0};
  std::atomic<std::uint64_t> wait_timeouts{0};

  // Owner-thread helpers (relaxed: one writer).
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n) noexcept {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  static void set(std::atomic<std::uint32_t>& c, std::uint32_t v) noexcept {
    c.store(v, std::memory_order_relaxed);
  }
};

// One pool, all workers summed. Averages are over the totals since start.
struct PoolSnapshot {
  PoolKey key;
  std::string mode;
  std::uint32_t size = 0;           // process-wide limit
  std::uint32_t budget_in_use = 0;  // connections the backend sees (open + logging in)
  std::uint32_t clients_active = 0;
  std::uint32_t clients_waiting = 0;
  std::uint32_t servers_active = 0;
  std::uint32_t servers_idle = 0;
  std::uint32_t servers_login = 0;
  std::uint64_t max_wait_us = 0;
  std::uint64_t transactions = 0;
  std::uint64_t queries = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t avg_xact_time_us = 0;
  std::uint64_t avg_query_time_us = 0;
  std::uint64_t avg_wait_time_us = 0;
  std::uint64_t server_connects = 0;
  std::uint64_t server_connect_failures = 0;
  std::uint64_t wait_timeouts = 0;
  bool paused = false;

  void add(const ShardCounters& c);  // sums gauges and totals (averages: finish())
  void finish();                     // computes the averages from the summed totals

 private:
  std::uint64_t xact_time_us_ = 0, query_time_us_ = 0, wait_time_us_ = 0, waits_ = 0;
};

}  // namespace sw::pool
