#pragma once
// Running blocking work (a libpq or Connector/C call, a file scan) off the
// proxy's workers: the calling coroutine suspends, the function runs on a
// small shared thread pool, and the coroutine resumes on its own worker.
#include <type_traits>
#include <utility>

#include <boost/asio/thread_pool.hpp>

#include "proxy/net/asio.hpp"

namespace sw::admin {

// Two threads: admin work is rare and must never compete with the workers.
net::asio::thread_pool& blocking_pool();

// `f` on `pool`; the coroutine resumes on its own worker.
template <class F>
net::awaitable<std::invoke_result_t<F&>> run_on(net::asio::thread_pool& pool, F f) {
  using T = std::invoke_result_t<F&>;
  co_return co_await net::asio::co_spawn(
      pool, [f = std::move(f)]() mutable -> net::awaitable<T> { co_return f(); },
      net::use_awaitable);
}

template <class F>
net::awaitable<std::invoke_result_t<F&>> run_blocking(F f) {
  return run_on(blocking_pool(), std::move(f));
}

}  // namespace sw::admin
