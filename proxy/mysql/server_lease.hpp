#pragma once
// A MySQL client's hold on a pooled server connection (issue 10). acquire()
// borrows one from the worker's shard — an idle one, or a new login when the
// pool grants a slot, waiting up to client_wait_timeout otherwise — checks
// it is alive and makes its session the client's: same capabilities shape,
// character set, database and replayed session SETs (a connection left
// with state the pool cannot see is reset with COM_CHANGE_USER first).
// release() hands it back at a safe boundary, or drops it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "pool/shard.hpp"
#include "proxy/mysql/client_state.hpp"
#include "proxy/mysql/codec/messages.hpp"
#include "proxy/mysql/pooling.hpp"
#include "proxy/mysql/server_connection.hpp"
#include "proxy/net/asio.hpp"

namespace sw::mysql {

// What the client is told when no connection can be had: the server's own
// ERR (login refused), or the proxy's native one (pool wait timeout: 1040).
struct LeaseFailure {
  ErrPacket error;
};

// The ERR for a backend the proxy cannot reach or log in to by itself
// (connect refused, backend TLS required but not offered, ...).
ErrPacket backend_unreachable_error(const Endpoint& backend, std::string_view why);

class ServerLease {
 public:
  ServerLease() = default;
  ~ServerLease();
  ServerLease(const ServerLease&) = delete;
  ServerLease& operator=(const ServerLease&) = delete;

  // Which pool to borrow from, and how its connections log in. Releases a
  // connection still held from the previous pool (COM_CHANGE_USER).
  void bind(std::shared_ptr<pool::Shard> shard, PoolLogin login, std::uint32_t capabilities,
            std::uint32_t ext_capabilities);

  bool held() const noexcept { return server_ != nullptr; }
  ServerConnection* server() noexcept { return server_.get(); }
  pool::Shard* shard() noexcept { return shard_.get(); }

  // Borrows (when none is held) and reconciles. nullopt on success.
  net::awaitable<std::optional<LeaseFailure>> acquire(const ClientState& client);
  // Hands the connection back. `reusable`: at a safe boundary and healthy;
  // `dirty`: the client left state on it the pool cannot see (reset on reuse).
  void release(bool reusable, bool dirty);

 private:
  net::awaitable<std::optional<LeaseFailure>> borrow(const ClientState& client);
  // Applies the client's state; nullopt on success, an ERR for the client,
  // or an I/O failure (the connection is dropped and another tried).
  net::awaitable<Result<std::optional<ErrPacket>>> reconcile(const ClientState& client);

  std::shared_ptr<pool::Shard> shard_;
  PoolLogin login_;
  std::uint32_t shape_ = 0;      // the client's capability bits that shape answers
  std::uint32_t ext_shape_ = 0;  // likewise among MariaDB's extended ones
  std::unique_ptr<ServerConnection> server_;
};

}  // namespace sw::mysql
