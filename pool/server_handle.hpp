#pragma once
// The pool's view of one backend connection. The protocol driver's server
// connection derives from it; the pool only moves it between the idle list
// and leases, ages it and destroys it (the driver's destructor closes the
// socket). Nothing here knows sockets.
#include <chrono>
#include <functional>
#include <memory>

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
  // Called at every release and lease: must cost no system call.
  virtual bool usable() const noexcept { return true; }
  // The pool's periodic look at its idle connections (maintain()): may ask
  // the kernel whether the server spoke or closed meanwhile.
  virtual bool idle_check() const noexcept { return usable(); }

  // Ends the connection and calls `gone` once the backend no longer counts
  // it; the pool reuses the slot only then, so `size` holds as the backend
  // sees it even while a backend process is still exiting. `gone` runs on
  // the handle's own worker, possibly after the shard that owned it died.
  static void retire(std::unique_ptr<ServerHandle> handle, std::function<void()> gone) {
    ServerHandle* h = handle.get();
    h->retire_self(std::move(handle), std::move(gone));
  }

 protected:
  // Drivers with a socket say goodbye and wait for the server to close; this
  // default (nothing to wait for) is immediate.
  virtual void retire_self(std::unique_ptr<ServerHandle> self, std::function<void()> gone) {
    self.reset();
    gone();
  }

 private:
  Clock::time_point created_;
  Clock::time_point idle_since_;
};

}  // namespace sw::pool
