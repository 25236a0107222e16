#include "proxy/net/worker_pool.hpp"

#include <spdlog/spdlog.h>

namespace sw::net {

WorkerPool::WorkerPool(unsigned count) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < count; ++i) {
    // concurrency hint 1: each context is driven by exactly one thread, so
    // Asio can skip internal locking.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
}

WorkerPool::~WorkerPool() {
  stop();
  join();
}

void WorkerPool::start() {
  for (unsigned i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([this, i] {
      for (;;) {
        try {
          contexts_[i]->run();
          return;
        } catch (const std::exception& e) {
          // A handler threw: log and keep the worker alive; the data path
          // itself reports errors through Result, so this is a bug report.
          spdlog::error("worker {}: unhandled exception: {}", i, e.what());
        }
      }
    });
  }
}

void WorkerPool::stop() {
  guards_.clear();
  for (auto& c : contexts_) c->stop();
}

void WorkerPool::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace sw::net
