#include "pool/budget.hpp"

#include <algorithm>

#include "pool/shard.hpp"

namespace sw::pool {

bool Budget::try_take(bool reserve) noexcept {
  std::uint32_t limit = size_ + (reserve ? reserve_ : 0);
  std::uint32_t cur = used_.load(std::memory_order_relaxed);
  while (cur < limit) {
    if (used_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

void Budget::give_back() {
  used_.fetch_sub(1, std::memory_order_acq_rel);
  if (!anyone_starving()) return;
  std::lock_guard lock(mu_);
  // Wake the longest-starving live shard; it moves to the back so the next
  // freed slot goes to another one.
  while (!starving_.empty()) {
    auto weak = starving_.front();
    starving_.erase(starving_.begin());
    if (auto shard = weak.lock()) {
      starving_.push_back(weak);
      shard->post_([weak] {
        if (auto s = weak.lock()) s->on_slot_freed();
      });
      return;
    }
    starving_count_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void Budget::resume() {
  paused_.store(false, std::memory_order_release);
  std::lock_guard lock(mu_);
  for (const auto& weak : shards_) {
    if (auto shard = weak.lock()) {
      shard->post_([weak] {
        if (auto s = weak.lock()) s->on_slot_freed();
      });
    }
  }
}

bool Budget::admit_client() noexcept {
  std::uint32_t now = clients_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (max_clients_ == 0 || now <= max_clients_) return true;
  clients_.fetch_sub(1, std::memory_order_relaxed);
  return false;
}

void Budget::leave_client() noexcept {
  clients_.fetch_sub(1, std::memory_order_relaxed);
}

void Budget::attach(const std::shared_ptr<Shard>& shard) {
  std::lock_guard lock(mu_);
  shards_.push_back(shard);
}

void Budget::detach(const Shard* shard) {
  std::lock_guard lock(mu_);
  auto same = [shard](const std::weak_ptr<Shard>& w) {
    auto s = w.lock();
    return !s || s.get() == shard;
  };
  std::erase_if(shards_, same);
  auto before = starving_.size();
  std::erase_if(starving_, same);
  starving_count_.fetch_sub(static_cast<std::uint32_t>(before - starving_.size()),
                            std::memory_order_relaxed);
}

void Budget::set_starving(const Shard* shard, bool starving) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(starving_.begin(), starving_.end(), [shard](const auto& w) {
    auto s = w.lock();
    return s && s.get() == shard;
  });
  if (!starving) {
    if (it != starving_.end()) {
      starving_.erase(it);
      starving_count_.fetch_sub(1, std::memory_order_relaxed);
    }
    return;
  }
  if (it == starving_.end()) {
    for (const auto& w : shards_) {
      auto s = w.lock();
      if (s && s.get() == shard) {
        starving_.push_back(w);
        starving_count_.fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
  }
  request_shed_locked(shard);
}

void Budget::request_shed(const Shard* starving) {
  std::lock_guard lock(mu_);
  request_shed_locked(starving);
}

void Budget::request_shed_locked(const Shard* starving) {
  for (const auto& w : shards_) {
    auto s = w.lock();
    if (!s || s.get() == starving) continue;
    s->post_([w] {
      if (auto peer = w.lock()) peer->on_peer_starved();
    });
  }
}

bool Budget::peer_waiting_since_before(const Shard* self, std::int64_t since_ns) {
  std::lock_guard lock(mu_);
  for (const auto& w : starving_) {
    auto s = w.lock();
    if (s && s.get() != self && s->oldest_wait_ns() < since_ns) return true;
  }
  return false;
}

std::size_t Budget::shard_count() {
  std::lock_guard lock(mu_);
  return shards_.size();
}

PoolSnapshot Budget::snapshot() {
  PoolSnapshot snap;
  snap.key = key_;
  snap.size = size_;
  snap.budget_in_use = in_use();
  snap.paused = paused();
  std::lock_guard lock(mu_);
  for (const auto& w : shards_) {
    if (auto s = w.lock()) {
      snap.mode = pool_mode_name(s->config().mode);
      snap.add(s->counters());
    }
  }
  snap.finish();
  return snap;
}

}  // namespace sw::pool
