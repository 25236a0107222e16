#pragma once
// The current configuration snapshot of a running proxy. A reload builds a
// new snapshot, validates it and swaps it in here; readers take a
// shared_ptr copy (a short lock, never held across I/O), so a session keeps
// the snapshot it started with for as long as it needs it.
#include <functional>
#include <mutex>
#include <vector>

#include "proxy/core/config.hpp"

namespace sw {

class LiveConfig {
 public:
  explicit LiveConfig(ConfigPtr initial) : current_(std::move(initial)) {}

  ConfigPtr get() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  // Swaps the snapshot, then tells every subscriber (in subscription order,
  // on the caller's thread). Subscribers post work to their own threads.
  void set(ConfigPtr next) {
    std::vector<std::function<void(const ConfigPtr&)>> subscribers;
    {
      std::lock_guard lock(mutex_);
      current_ = next;
      subscribers = subscribers_;
    }
    for (const auto& s : subscribers) s(next);
  }

  void subscribe(std::function<void(const ConfigPtr&)> on_change) {
    std::lock_guard lock(mutex_);
    subscribers_.push_back(std::move(on_change));
  }

 private:
  mutable std::mutex mutex_;
  ConfigPtr current_;
  std::vector<std::function<void(const ConfigPtr&)>> subscribers_;
};

}  // namespace sw
