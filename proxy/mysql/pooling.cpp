#include "proxy/mysql/pooling.hpp"

#include <spdlog/spdlog.h>

#include "proxy/net/spawn.hpp"

namespace sw::mysql {

std::shared_ptr<MysqlPools> MysqlPools::make(net::asio::any_io_executor executor) {
  return std::shared_ptr<MysqlPools>(new MysqlPools(std::move(executor)));
}

MysqlPools::MysqlPools(net::asio::any_io_executor executor)
    : executor_(executor),
      pools_(pool::PoolRegistry::instance(),
             [executor](std::function<void()> f) { net::asio::post(executor, std::move(f)); }) {}

MysqlPools::~MysqlPools() = default;

std::shared_ptr<pool::Shard> MysqlPools::shard(const pool::PoolKey& key, const PoolConfig& config,
                                               const PoolLogin& login) {
  logins_[key] = login;
  auto shard = pools_.shard(key, config);
  if (!maintaining_) {
    maintaining_ = true;
    net::spawn_logged(executor_, maintain(weak_from_this(), executor_), "mysql pool maintenance");
  }
  return shard;
}

const PoolLogin* MysqlPools::login_for(const pool::PoolKey& key) const {
  auto it = logins_.find(key);
  return it == logins_.end() ? nullptr : &it->second;
}

net::awaitable<void> MysqlPools::maintain(std::weak_ptr<MysqlPools> weak,
                                          net::asio::any_io_executor executor) {
  net::asio::steady_timer timer(executor);
  for (;;) {
    timer.expires_after(std::chrono::seconds(1));
    net::error_code ec;
    co_await timer.async_wait(net::nothrow(ec));
    auto self = weak.lock();
    if (!self || ec) co_return;
    auto now = pool::Clock::now();
    self->pools_.for_each([&](pool::Shard& shard) {
      std::uint32_t connects = shard.maintain(now);
      const PoolLogin* login = self->login_for(shard.key());
      for (std::uint32_t i = 0; i < connects; ++i) {
        if (!login) {
          shard.connect_failed();
          continue;
        }
        net::spawn_logged(executor, open_idle(shard.shared_from_this(), *login),
                          "mysql pool connect");
      }
    });
  }
}

net::awaitable<void> MysqlPools::open_idle(std::shared_ptr<pool::Shard> shard, PoolLogin login) {
  auto opened = co_await ServerConnection::open(login.backend, login.login, login.connect_timeout);
  if (!opened || opened->error) {
    spdlog::warn("mysql pool {}: opening an idle connection failed: {}", shard->key().name(),
                 !opened ? opened.error().message : opened->error->message);
    shard->connect_failed();
    co_return;
  }
  shard->add_idle(std::move(opened->connection), pool::Clock::now());
}

}  // namespace sw::mysql
