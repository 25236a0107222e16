#pragma once
// Process-wide count of client connections, for max_client_connections and
// for graceful shutdown (wait until the count drains to zero).
#include <atomic>
#include <cstdint>

namespace sw::net {

class ConnectionTracker;

// RAII slot: admitted() is false when the connection arrived over the limit;
// the protocol session then answers with its native "too many connections".
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionTracker* tracker, bool admitted)
      : tracker_(tracker), admitted_(admitted) {}
  ConnectionSlot(ConnectionSlot&& o) noexcept : tracker_(o.tracker_), admitted_(o.admitted_) {
    o.tracker_ = nullptr;
  }
  ConnectionSlot& operator=(ConnectionSlot&& o) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() { release(); }

  bool admitted() const noexcept { return admitted_; }

 private:
  void release() noexcept;
  ConnectionTracker* tracker_ = nullptr;
  bool admitted_ = false;
};

class ConnectionTracker {
 public:
  explicit ConnectionTracker(std::uint32_t max_connections) : max_(max_connections) {}

  ConnectionSlot acquire() {
    std::uint32_t now = active_.fetch_add(1, std::memory_order_relaxed) + 1;
    return ConnectionSlot(this, now <= max_);
  }
  std::uint32_t active() const noexcept { return active_.load(std::memory_order_relaxed); }
  bool draining() const noexcept { return draining_.load(std::memory_order_relaxed); }
  void start_draining() noexcept { draining_.store(true, std::memory_order_relaxed); }
  void set_max(std::uint32_t max) noexcept { max_ = max; }

 private:
  friend class ConnectionSlot;
  std::atomic<std::uint32_t> active_{0};
  std::atomic<bool> draining_{false};
  std::uint32_t max_;
};

inline ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& o) noexcept {
  if (this != &o) {
    release();
    tracker_ = o.tracker_;
    admitted_ = o.admitted_;
    o.tracker_ = nullptr;
  }
  return *this;
}

inline void ConnectionSlot::release() noexcept {
  if (tracker_) tracker_->active_.fetch_sub(1, std::memory_order_relaxed);
  tracker_ = nullptr;
}

}  // namespace sw::net
