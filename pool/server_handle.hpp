#pragma once
// The pool's view of one backend connection. The protocol driver's server
// connection derives from it; the pool only moves it between the idle list
// and leases, ages it and destroys it (the driver's destructor closes the
// socket). Nothing here knows sockets.
#include <chrono>

namespace sw::pool {

using Clock = std::chrono::steady_clock;

class ServerHandle {
 public:
  ServerHandle() : created_(Clock::now()), idle_since_(created_) {}
  virtual ~ServerHandle() = default;
  ServerHandle(const ServerHandle&) = delete;
  ServerHandle& operator=(const ServerHandle&) = delete;

  Clock::time_point created() const noexcept { return created_; }
  Clock::time_point idle_since() const noexcept { return idle_since_; }
  void mark_idle(Clock::time_point now) noexcept { idle_since_ = now; }
  // False once the driver knows the connection is dead (the server closed it
  // while idle): the pool then drops it instead of lending it.
  virtual bool usable() const noexcept { return true; }

 private:
  Clock::time_point created_;
  Clock::time_point idle_since_;
};

}  // namespace sw::pool
