#include "pool/shard.hpp"

#include <algorithm>

namespace sw::pool {

namespace {
std::uint64_t micros(Clock::duration d) {
  return static_cast<std::uint64_t>(
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
}
constexpr std::chrono::milliseconds kMaxBackoff{30000};
constexpr std::chrono::milliseconds kFirstBackoff{100};
}  // namespace

std::shared_ptr<Shard> Shard::make(std::shared_ptr<Budget> budget, PoolConfig config, Post post) {
  std::shared_ptr<Shard> shard(new Shard(std::move(budget), std::move(config), std::move(post)));
  shard->budget_->attach(shard);
  return shard;
}

Shard::~Shard() {
  // Idle connections die with the shard; their slots return.
  for (auto& s : idle_) {
    s.reset();
    budget_->give_back();
  }
  idle_.clear();
  budget_->detach(this);
}

bool Shard::client_attached() {
  if (!budget_->admit_client()) return false;
  ++clients_;
  update_gauges();
  return true;
}

void Shard::client_detached() {
  budget_->leave_client();
  if (clients_ > 0) --clients_;
  update_gauges();
}

bool Shard::expired(const ServerHandle& s, Clock::time_point now) const {
  if (config_.server_lifetime.count() > 0 && now - s.created() >= config_.server_lifetime)
    return true;
  return false;
}

std::unique_ptr<ServerHandle> Shard::pop_idle(Clock::time_point now) {
  while (!idle_.empty()) {
    auto s = std::move(idle_.back());
    idle_.pop_back();
    if (expired(*s, now) || !s->usable()) {
      destroy(std::move(s));
      continue;
    }
    return s;
  }
  return nullptr;
}

void Shard::destroy(std::unique_ptr<ServerHandle> server) {
  ServerHandle::retire(std::move(server), [budget = budget_] { budget->give_back(); });
}

Grant Shard::lease_idle(std::unique_ptr<ServerHandle> s, Clock::time_point now) {
  Grant g;
  g.kind = Grant::Kind::server;
  g.check_first = config_.server_check_interval.count() > 0 &&
                  now - s->idle_since() >= config_.server_check_interval;
  g.server = std::move(s);
  ++leased_;
  return g;
}

Grant Shard::lease_connect() {
  Grant g;
  g.kind = Grant::Kind::connect;
  ++logging_in_;
  return g;
}

std::optional<Grant> Shard::try_acquire(Clock::time_point now) {
  if (shut_down_) {
    Grant g;
    g.problem = "the pool is shutting down";
    return g;
  }
  if (!waiters_.empty() || budget_->paused()) return std::nullopt;  // FIFO: queue behind them
  std::optional<Grant> out;
  if (auto s = pop_idle(now)) {
    out = lease_idle(std::move(s), now);
  } else if (budget_->try_take()) {
    out = lease_connect();
  }
  update_gauges();
  return out;
}

WaiterId Shard::wait(Clock::time_point now, std::function<void(Grant)> on_grant) {
  WaiterId id = next_waiter_++;
  waiters_.push_back({id, now, std::move(on_grant)});
  ShardCounters::add(counters_.waits, 1);
  // A slot may have come free between try_acquire and now (or never been
  // tried, for a caller that waits directly).
  serve_waiters(now);
  update_starving();
  update_gauges();
  return id;
}

bool Shard::cancel(WaiterId id) {
  auto it =
      std::find_if(waiters_.begin(), waiters_.end(), [id](const Waiter& w) { return w.id == id; });
  if (it == waiters_.end()) return false;
  ShardCounters::add(counters_.wait_time_us, micros(Clock::now() - it->since));
  waiters_.erase(it);
  update_starving();
  update_gauges();
  return true;
}

void Shard::grant_first(Grant g, Clock::time_point now) {
  Waiter w = std::move(waiters_.front());
  waiters_.pop_front();
  ShardCounters::add(counters_.wait_time_us, micros(now - w.since));
  w.on_grant(std::move(g));
}

void Shard::serve_waiters(Clock::time_point now) {
  if (budget_->paused()) return;
  while (!waiters_.empty()) {
    if (auto s = pop_idle(now)) {
      grant_first(lease_idle(std::move(s), now), now);
    } else if (budget_->try_take()) {
      grant_first(lease_connect(), now);
    } else {
      break;
    }
  }
}

void Shard::connected() {
  if (logging_in_ > 0) --logging_in_;
  ++leased_;
  ShardCounters::add(counters_.server_connects, 1);
  backoff_ = std::chrono::milliseconds(0);
  update_gauges();
}

void Shard::connect_failed() {
  if (logging_in_ > 0) --logging_in_;
  ShardCounters::add(counters_.server_connect_failures, 1);
  backoff_ = backoff_.count() == 0 ? kFirstBackoff : std::min(kMaxBackoff, backoff_ * 2);
  backoff_until_ = Clock::now() + backoff_;
  budget_->give_back();
  // Waiters get their own attempt (and their own error if the backend is
  // down) rather than sitting out their whole wait timeout.
  serve_waiters(Clock::now());
  update_starving();
  update_gauges();
}

void Shard::add_idle(std::unique_ptr<ServerHandle> server, Clock::time_point now) {
  if (logging_in_ > 0) --logging_in_;
  ShardCounters::add(counters_.server_connects, 1);
  backoff_ = std::chrono::milliseconds(0);
  ++leased_;
  release(std::move(server), true, now);
}

void Shard::release(std::unique_ptr<ServerHandle> server, bool reusable, Clock::time_point now) {
  if (leased_ > 0) --leased_;
  if (!reusable || shut_down_ || expired(*server, now) || !server->usable()) {
    // Once the backend has let go, the slot passes straight to a waiter.
    ServerHandle::retire(std::move(server), [weak = weak_from_this(), budget = budget_] {
      if (auto self = weak.lock())
        self->on_retired();
      else
        budget->give_back();
    });
  } else {
    server->mark_idle(now);
    // Another worker below its due gets the slot when this one has nobody
    // waiting, holds more than its own due, or (both at their due, e.g. a
    // pool smaller than the worker count) has only newer waiters. A worker
    // at its due keeps serving its own queue: closing and reopening
    // connections between workers that are merely busy would turn every
    // release into a new backend login.
    bool peer_first = budget_->anyone_starving() && !starving_ &&
                      (waiters_.empty() || owned() + 1 > due() ||
                       budget_->peer_waiting_since_before(
                           this, waiters_.front().since.time_since_epoch().count()));
    if (!waiters_.empty() && !peer_first && !budget_->paused()) {
      grant_first(lease_idle(std::move(server), now), now);
    } else if (peer_first) {
      destroy(std::move(server));  // another worker needs the slot more
    } else {
      idle_.push_back(std::move(server));
    }
  }
  update_starving();
  update_gauges();
}

void Shard::on_retired() {
  if (!waiters_.empty() && !shut_down_ && !budget_->paused()) {
    grant_first(lease_connect(), Clock::now());
  } else {
    budget_->give_back();
  }
  update_starving();
  update_gauges();
}

std::uint32_t Shard::maintain(Clock::time_point now) {
  if (shut_down_) return 0;
  // Idle connections past their idle timeout or lifetime (oldest first).
  std::size_t shards = std::max<std::size_t>(1, budget_->shard_count());
  auto min_idle = static_cast<std::uint32_t>((config_.min_idle + shards - 1) / shards);
  for (auto it = idle_.begin(); it != idle_.end();) {
    bool too_idle = config_.server_idle_timeout.count() > 0 &&
                    now - (*it)->idle_since() >= config_.server_idle_timeout &&
                    idle_.size() > min_idle;
    if (too_idle || expired(**it, now) || !(*it)->idle_check()) {
      auto s = std::move(*it);
      it = idle_.erase(it);
      destroy(std::move(s));
    } else {
      ++it;
    }
  }
  // Waiters past reserve_timeout may use the reserve slots.
  if (config_.reserve_size > 0 && !budget_->paused()) {
    while (!waiters_.empty() && now - waiters_.front().since >= config_.reserve_timeout &&
           budget_->try_take(true))
      grant_first(lease_connect(), now);
  }
  if (!waiters_.empty() && !budget_->paused()) budget_->request_shed(this);
  // min_idle refill, with backoff after failures.
  std::uint32_t connects = 0;
  if (now >= backoff_until_) {
    std::uint32_t have = static_cast<std::uint32_t>(idle_.size()) + leased_ + logging_in_;
    while (have + connects < min_idle && budget_->try_take()) {
      ++logging_in_;
      ++connects;
    }
  }
  update_starving();
  update_gauges();
  return connects;
}

void Shard::on_slot_freed() {
  serve_waiters(Clock::now());
  if (!waiters_.empty() && !budget_->paused()) budget_->request_shed(this);
  update_starving();
  update_gauges();
}

void Shard::on_peer_starved() {
  if (waiters_.empty() && !idle_.empty() && budget_->anyone_starving()) {
    auto s = std::move(idle_.front());  // the least recently used
    idle_.erase(idle_.begin());
    destroy(std::move(s));
  }
  update_gauges();
}

void Shard::shutdown() {
  shut_down_ = true;
  while (!waiters_.empty()) {
    Grant g;
    g.problem = "the pool is shutting down";
    grant_first(std::move(g), Clock::now());
  }
  while (!idle_.empty()) {
    auto s = std::move(idle_.back());
    idle_.pop_back();
    destroy(std::move(s));
  }
  update_starving();
  update_gauges();
}

std::uint32_t Shard::owned() const noexcept {
  return leased_ + logging_in_ + static_cast<std::uint32_t>(idle_.size());
}

std::uint32_t Shard::due() const noexcept {
  std::uint32_t total = budget_->clients();
  if (total == 0 || clients_ == 0) return 1;
  auto share = static_cast<std::uint64_t>(budget_->size()) * clients_ / total;
  return std::max<std::uint32_t>(1, static_cast<std::uint32_t>(share));
}

void Shard::update_starving() {
  // Waiters held by a pause are not starving: nobody should shed for them.
  // Nor is a worker that holds its due: its own releases serve its queue.
  bool s = !waiters_.empty() && !budget_->paused() && owned() < due();
  if (s == starving_) return;
  starving_ = s;
  budget_->set_starving(this, s);
}

void Shard::update_gauges() {
  auto waiting = static_cast<std::uint32_t>(waiters_.size());
  ShardCounters::set(counters_.clients_waiting, waiting);
  ShardCounters::set(counters_.clients_active, clients_ > waiting ? clients_ - waiting : 0);
  ShardCounters::set(counters_.servers_active, leased_);
  ShardCounters::set(counters_.servers_idle, static_cast<std::uint32_t>(idle_.size()));
  ShardCounters::set(counters_.servers_login, logging_in_);
  counters_.max_wait_us.store(waiters_.empty() ? 0 : micros(Clock::now() - waiters_.front().since),
                              std::memory_order_relaxed);
  oldest_wait_ns_.store(waiters_.empty() ? std::numeric_limits<std::int64_t>::max()
                                         : waiters_.front().since.time_since_epoch().count(),
                        std::memory_order_relaxed);
}

}  // namespace sw::pool
