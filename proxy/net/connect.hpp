#pragma once
// Opening a connection to a backend, bounded by a timeout.
#include <chrono>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/asio.hpp"

namespace sw::net {

awaitable<Result<tcp::socket>> connect_backend(const Endpoint& backend,
                                               std::chrono::milliseconds timeout);

}  // namespace sw::net
