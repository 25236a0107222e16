#pragma once
// Coroutines of one worker waiting for something another thread reports
// (the audit writer's group commit). The other thread posts wake_all() onto
// the worker; every waiter wakes and checks its own condition again. One
// worker thread only: no locks.
#include <chrono>
#include <vector>

#include "proxy/net/asio.hpp"

namespace sw::audit_hook {

class Wakeups {
 public:
  // Returns after wake_all() or `max`, whichever comes first (the bound
  // keeps a lost wake-up from stalling a client for long).
  net::awaitable<void> wait(std::chrono::milliseconds max);
  void wake_all() noexcept;

 private:
  std::vector<net::asio::steady_timer*> waiting_;
};

}  // namespace sw::audit_hook
