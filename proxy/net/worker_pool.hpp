#pragma once
// Thread-per-core: one io_context per worker thread, nothing shared between
// them on the data path. Listeners bind the same port on every worker with
// SO_REUSEPORT and the kernel spreads connections.
#include <memory>
#include <thread>
#include <vector>

#include "proxy/net/asio.hpp"

namespace sw::net {

class WorkerPool {
 public:
  // count == 0 means one per core.
  explicit WorkerPool(unsigned count);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned size() const noexcept { return static_cast<unsigned>(contexts_.size()); }
  asio::io_context& context(unsigned i) { return *contexts_[i]; }

  void start();
  void stop();  // hard stop: pending handlers are dropped, coroutines destroyed
  void join();

 private:
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace sw::net
