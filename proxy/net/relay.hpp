#pragma once
// Byte-exact pass-through between two connected sockets until either side
// closes. Used by the walking-skeleton proxy and for TCP tunnels that need
// no protocol awareness.
#include "proxy/net/asio.hpp"

namespace sw::net {

struct RelayStats {
  std::uint64_t client_to_server = 0;
  std::uint64_t server_to_client = 0;
};

awaitable<RelayStats> relay(tcp::socket client, tcp::socket server);

}  // namespace sw::net
