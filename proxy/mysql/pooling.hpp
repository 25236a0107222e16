#pragma once
// The MySQL driver's side of pool/ (issue 10): one MysqlPools per worker
// and MySQL listener holds that worker's shards (pool::WorkerPools), opens
// the connections the pool asks for (min_idle) and runs each shard's
// housekeeping once a second. Server connections never leave their worker;
// the process-wide `size` of each pool is the pool core's Budget.
#include <chrono>
#include <memory>
#include <unordered_map>

#include "pool/registry.hpp"
#include "proxy/core/config.hpp"
#include "proxy/mysql/server_connection.hpp"
#include "proxy/net/asio.hpp"

namespace sw::mysql {

// How the pool logs a new connection of one pool in.
struct PoolLogin {
  Endpoint backend;
  BackendLogin login;
  std::chrono::milliseconds connect_timeout{5000};
};

class MysqlPools : public std::enable_shared_from_this<MysqlPools> {
 public:
  static std::shared_ptr<MysqlPools> make(net::asio::any_io_executor executor);
  ~MysqlPools();

  // The shard of `key` on this worker; `login` is kept for the connections
  // the pool opens on its own (min_idle).
  std::shared_ptr<pool::Shard> shard(const pool::PoolKey& key, const PoolConfig& config,
                                     const PoolLogin& login);
  const PoolLogin* login_for(const pool::PoolKey& key) const;

 private:
  explicit MysqlPools(net::asio::any_io_executor executor);
  static net::awaitable<void> maintain(std::weak_ptr<MysqlPools> self,
                                       net::asio::any_io_executor executor);
  static net::awaitable<void> open_idle(std::shared_ptr<pool::Shard> shard, PoolLogin login);

  net::asio::any_io_executor executor_;
  pool::WorkerPools pools_;
  std::unordered_map<pool::PoolKey, PoolLogin, pool::PoolKeyHash> logins_;
  bool maintaining_ = false;
};

}  // namespace sw::mysql
