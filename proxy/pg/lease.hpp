#pragma once
// Borrowing a server connection from the pool (pool::Shard) from a
// coroutine: waits in the shard's FIFO with the pool's client_wait_timeout,
// opens a connection when the pool grants a slot, checks long-idle
// connections, and returns connections (watched while idle) to the pool.
#include <chrono>
#include <memory>
#include <string>

#include "pool/shard.hpp"
#include "proxy/pg/server_connection.hpp"

namespace sw::pg {

struct LeaseOutcome {
  std::unique_ptr<ServerConnection> server;  // null on failure
  bool fresh = false;                        // just logged in (its startup notices are new)
  std::string sqlstate;                      // failure: 53300 (wait timeout) or 08006
  std::string message;
  Bytes server_error;  // failure: the backend's own ErrorResponse at login, verbatim
};

net::awaitable<LeaseOutcome> lease_server(const std::shared_ptr<pool::Shard>& shard,
                                          const ServerLogin& login);

// Back to the pool: reusable only at a safe boundary with nothing unread.
void return_server(pool::Shard& shard, std::unique_ptr<ServerConnection> server, bool reusable);

}  // namespace sw::pg
