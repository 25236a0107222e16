#pragma once
// One worker's share of a pool: its idle server connections, its FIFO of
// waiting clients and its counters. Single-threaded (the worker's own
// thread); the only cross-thread calls are the ones the Budget posts
// through `Post`, which runs them on this worker.
//
// Driver protocol (no Asio here; the driver wraps the callbacks):
//   auto g = shard->try_acquire(now);          // immediate Grant, or nullopt
//   if (!g) id = shard->wait(now, callback);   // callback(Grant) later, once
//     ... on the driver's own deadline: shard->cancel(id) → timeout
//   Grant::Kind::connect → the driver opens a connection (a slot is held for
//     it) and reports connected() or connect_failed().
//   shard->release(std::move(conn), reusable, now) at a safe boundary.
//   shard->maintain(now) every second or so: ages idle connections, asks
//     for min_idle connects, lets long waiters use the reserve.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pool/budget.hpp"
#include "pool/pool_key.hpp"
#include "pool/server_handle.hpp"
#include "pool/stats.hpp"
#include "proxy/core/config.hpp"

namespace sw::pool {

struct Grant {
  enum class Kind {
    server,   // `server` is yours until release()
    connect,  // open a server connection yourself: a slot is reserved for it
    failed,   // the pool cannot serve you (shutting down, backend failing)
  };
  Kind kind = Kind::failed;
  std::unique_ptr<ServerHandle> server;
  // The connection sat idle longer than server_check_interval: run the
  // check query before use (drop it and acquire again if that fails).
  bool check_first = false;
  std::string problem;  // for failed
};

using WaiterId = std::uint64_t;
// Runs a callable on the shard's worker (the driver wraps asio::post).
using Post = std::function<void(std::function<void()>)>;

class Shard : public std::enable_shared_from_this<Shard> {
 public:
  // Create through make(): the shard registers with its budget.
  static std::shared_ptr<Shard> make(std::shared_ptr<Budget> budget, PoolConfig config, Post post);
  ~Shard();

  const PoolKey& key() const noexcept { return budget_->key(); }
  const PoolConfig& config() const noexcept { return config_; }
  Budget& budget() noexcept { return *budget_; }
  ShardCounters& counters() noexcept { return counters_; }

  // Clients: admission against max_client_connections, gauges.
  bool client_attached();
  void client_detached();

  std::optional<Grant> try_acquire(Clock::time_point now);
  WaiterId wait(Clock::time_point now, std::function<void(Grant)> on_grant);
  // Withdraws a waiter (its deadline passed, or the client left). False if it
  // was already granted.
  bool cancel(WaiterId id);

  void connected();       // a connect grant succeeded: the connection is leased
  void connect_failed();  // a connect grant failed: the slot returns
  // Adds a connection opened for min_idle (see maintain()).
  void add_idle(std::unique_ptr<ServerHandle> server, Clock::time_point now);
  // Ends a lease. `reusable` = at a safe boundary, healthy, nothing pinned.
  void release(std::unique_ptr<ServerHandle> server, bool reusable, Clock::time_point now);

  // Housekeeping; returns how many connections the driver should open for
  // min_idle (slots already taken: report each with add_idle or
  // connect_failed).
  std::uint32_t maintain(Clock::time_point now);

  // Called through Post by the budget.
  void on_slot_freed();
  void on_peer_starved();

  std::size_t idle_count() const noexcept { return idle_.size(); }
  // Start of the oldest wait (steady clock ns; max when nobody waits). Read
  // by other workers through the budget.
  std::int64_t oldest_wait_ns() const noexcept {
    return oldest_wait_ns_.load(std::memory_order_relaxed);
  }
  std::size_t waiting_count() const noexcept { return waiters_.size(); }

  // Closes idle connections and fails every waiter (worker shutting down).
  void shutdown();

 private:
  friend class Budget;  // posts through post_
  struct Waiter {
    WaiterId id;
    Clock::time_point since;
    std::function<void(Grant)> on_grant;
  };

  Shard(std::shared_ptr<Budget> budget, PoolConfig config, Post post)
      : budget_(std::move(budget)), config_(std::move(config)), post_(std::move(post)) {}

  bool expired(const ServerHandle& s, Clock::time_point now) const;
  std::unique_ptr<ServerHandle> pop_idle(Clock::time_point now);
  void destroy(std::unique_ptr<ServerHandle> server);  // closes, then returns its slot
  void on_retired();  // a dropped connection is gone: its slot to a waiter or back
  Grant lease_idle(std::unique_ptr<ServerHandle> s, Clock::time_point now);
  Grant lease_connect();
  void serve_waiters(Clock::time_point now);
  void grant_first(Grant g, Clock::time_point now);
  void update_starving();
  void update_gauges();
  // Connections this worker holds (leased, logging in, idle).
  std::uint32_t owned() const noexcept;
  // This worker's fair part of the pool: the size split by where the
  // clients are (at least 1). Below it with clients waiting, it is starving.
  std::uint32_t due() const noexcept;

  std::shared_ptr<Budget> budget_;
  PoolConfig config_;
  Post post_;
  ShardCounters counters_;
  std::vector<std::unique_ptr<ServerHandle>> idle_;  // back = most recently used
  std::deque<Waiter> waiters_;
  WaiterId next_waiter_ = 1;
  std::uint32_t leased_ = 0;
  std::uint32_t logging_in_ = 0;
  std::uint32_t clients_ = 0;
  bool starving_ = false;
  std::atomic<std::int64_t> oldest_wait_ns_{std::numeric_limits<std::int64_t>::max()};
  bool shut_down_ = false;
  Clock::time_point backoff_until_{};
  std::chrono::milliseconds backoff_{0};
};

}  // namespace sw::pool
