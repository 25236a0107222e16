#pragma once
// co_spawn with a completion that logs an escaped exception instead of
// silently dropping it (asio::detached would).
#include <exception>
#include <string_view>

#include <spdlog/spdlog.h>

#include "proxy/net/asio.hpp"

namespace sw::net {

template <class Executor, class T>
void spawn_logged(Executor&& ex, awaitable<T> task, std::string_view what) {
  asio::co_spawn(std::forward<Executor>(ex), std::move(task),
                 [what](std::exception_ptr e, auto&&...) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     spdlog::error("{}: unhandled exception: {}", what, ex.what());
                   }
                 });
}

template <class Executor>
void spawn_logged(Executor&& ex, awaitable<void> task, std::string_view what) {
  asio::co_spawn(std::forward<Executor>(ex), std::move(task), [what](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("{}: unhandled exception: {}", what, ex.what());
    }
  });
}

}  // namespace sw::net
