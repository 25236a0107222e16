#pragma once
// The walking-skeleton session: connect to the backend, relay bytes. Used
// while a protocol has no real session driver, and for raw TCP tunnels.
#include <chrono>

#include "proxy/core/config.hpp"
#include "proxy/net/listener.hpp"

namespace sw::net {

SessionHandler make_passthrough_handler(Endpoint backend,
                                        std::chrono::milliseconds connect_timeout);

}  // namespace sw::net
