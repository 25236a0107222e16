#include "proxy/mysql/server_lease.hpp"

#include <spdlog/spdlog.h>

#include "proxy/mysql/codec/constants.hpp"
#include "proxy/net/spawn.hpp"

namespace sw::mysql {

ErrPacket backend_unreachable_error(const Endpoint& backend, std::string_view why) {
  return ErrPacket{er::backend_unreachable, "HY000",
                   "Can't connect to server on '" + backend.to_string() +
                       "' (sqlwarden: " + std::string(why) + ")"};
}

namespace {

// Capability bits that change the shape or meaning of what the server
// sends or accepts: a connection serves only clients that agree on them.
constexpr std::uint32_t shape_bits =
    cap::found_rows | cap::no_schema | cap::ignore_space | cap::multi_statements |
    cap::multi_results | cap::ps_multi_results | cap::session_track | cap::deprecate_eof |
    // Not the answers' shape but the login's verdict on an expired password
    // (sandbox or refusal): a connection serves clients that would get the same.
    cap::can_handle_expired_passwords;
// MariaDB's: extended metadata adds a field to every column definition.
// Bulk execution is not one: every connection negotiates it when the
// server offers it, and a client without it never sends the command.
constexpr std::uint32_t ext_shape_bits = ext_cap::extended_metadata;

// Shared between the waiting coroutine and the pool's grant callback.
struct GrantWait {
  std::optional<pool::Grant> grant;
  net::asio::steady_timer* timer = nullptr;
};

}  // namespace

ServerLease::~ServerLease() {
  if (server_) release(false, true);
}

void ServerLease::bind(std::shared_ptr<pool::Shard> shard, PoolLogin login,
                       std::uint32_t capabilities, std::uint32_t ext_capabilities) {
  if (server_) release(true, true);
  shard_ = std::move(shard);
  login_ = std::move(login);
  login_.login.capabilities = capabilities;
  login_.login.ext_capabilities = ext_capabilities;
  shape_ = capabilities & shape_bits;
  ext_shape_ = ext_capabilities & ext_shape_bits;
}

namespace {
// Locks, temporary tables and open transactions must not outlive their
// client on an idle pooled connection (they would block or show to others):
// a dirty connection is reset before it goes back, not when next borrowed.
net::awaitable<void> reset_then_return(std::shared_ptr<pool::Shard> shard,
                                       std::unique_ptr<ServerConnection> server) {
  auto r = co_await server->change_user(server->login_used());
  bool clean = r && !r->error;
  std::unique_ptr<pool::ServerHandle> handle = std::move(server);
  shard->release(std::move(handle), clean, pool::Clock::now());
}
}  // namespace

void ServerLease::release(bool reusable, bool dirty) {
  if (!server_) return;
  if (dirty) server_->session().dirty = true;
  if (!reusable) server_->skip_goodbye();
  if (reusable && server_->session().dirty && shard_) {
    auto ex = server_->channel().stream().socket().get_executor();
    net::spawn_logged(ex, reset_then_return(shard_, std::move(server_)), "mysql pool reset");
    return;
  }
  std::unique_ptr<pool::ServerHandle> handle = std::move(server_);
  if (shard_) shard_->release(std::move(handle), reusable, pool::Clock::now());
}

net::awaitable<std::optional<LeaseFailure>> ServerLease::acquire(const ClientState& client) {
  // A few dead idle connections may come first; each is dropped (its slot
  // returns to the pool) and the next one tried. Idle connections of
  // another client shape (a pool shared by different client libraries) are
  // dropped too, without counting as failures: there may be a pool's worth.
  int mismatched = 0;
  for (int attempt = 0; attempt < 8;) {
    if (!server_) {
      auto failure = co_await borrow(client);
      if (failure) co_return failure;
    }
    if (!server_->quiet()) {
      release(false, true);
      ++attempt;
      continue;
    }
    if ((server_->capabilities() & shape_bits) != shape_ ||
        (server_->ext_capabilities() & ext_shape_bits) != ext_shape_) {
      release(false, true);
      if (++mismatched > 256) ++attempt;
      continue;
    }
    auto reconciled = co_await reconcile(client);
    if (!reconciled) {
      spdlog::info("mysql pool {}: server connection lost while preparing it: {}",
                   shard_->key().name(), reconciled.error().message);
      release(false, true);
      ++attempt;
      continue;
    }
    if (*reconciled) co_return LeaseFailure{std::move(**reconciled)};
    co_return std::nullopt;
  }
  co_return LeaseFailure{ErrPacket{er::con_count, "08004",
                                   "sqlwarden: pool " + shard_->key().name() +
                                       ": no usable server connection (backend closing them)"}};
}

net::awaitable<std::optional<LeaseFailure>> ServerLease::borrow(const ClientState& client) {
  auto now = pool::Clock::now();
  std::optional<pool::Grant> grant = shard_->try_acquire(now);
  if (!grant) {
    auto ex = co_await net::asio::this_coro::executor;
    net::asio::steady_timer timer(ex, shard_->config().client_wait_timeout);
    auto wait = std::make_shared<GrantWait>();
    wait->timer = &timer;
    pool::WaiterId id = shard_->wait(now, [wait](pool::Grant g) {
      wait->grant = std::move(g);
      if (wait->timer) wait->timer->cancel();
    });
    if (!wait->grant) {
      net::error_code ec;
      co_await timer.async_wait(net::nothrow(ec));
    }
    wait->timer = nullptr;
    if (!wait->grant && shard_->cancel(id)) {
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    shard_->config().client_wait_timeout)
                    .count();
      co_return LeaseFailure{ErrPacket{
          er::con_count, "08004",
          "sqlwarden: pool " + shard_->key().name() + " had no free server connection within " +
              std::to_string(ms) + " ms (size " + std::to_string(shard_->config().size) + ")"}};
    }
    grant = std::move(wait->grant);
  }
  if (!grant) co_return LeaseFailure{ErrPacket{er::con_count, "08004", "sqlwarden: pool error"}};
  switch (grant->kind) {
    case pool::Grant::Kind::server:
      server_.reset(static_cast<ServerConnection*>(grant->server.release()));
      co_return std::nullopt;
    case pool::Grant::Kind::failed:
      co_return LeaseFailure{
          ErrPacket{er::con_count, "08004",
                    "sqlwarden: pool " + shard_->key().name() + ": " + grant->problem}};
    case pool::Grant::Kind::connect:
      break;
  }
  BackendLogin login = login_.login;
  login.charset = client.charset;
  if (!client.database.empty()) login.database = client.database;
  auto opened = co_await ServerConnection::open(login_.backend, login, login_.connect_timeout);
  if (!opened) {
    shard_->connect_failed();
    spdlog::warn("mysql pool {}: cannot open a server connection: {}", shard_->key().name(),
                 opened.error().message);
    co_return LeaseFailure{backend_unreachable_error(login_.backend, opened.error().message)};
  }
  if (opened->error) {
    shard_->connect_failed();
    co_return LeaseFailure{std::move(*opened->error)};  // the server's own words
  }
  shard_->connected();
  server_ = std::move(opened->connection);
  co_return std::nullopt;
}

net::awaitable<Result<std::optional<ErrPacket>>> ServerLease::reconcile(const ClientState& client) {
  auto& s = server_->session();
  bool reset = s.dirty || s.charset != client.charset ||
               (!s.settings_key.empty() && s.settings_key != client.settings_key()) ||
               (!s.database.empty() && client.database.empty());
  if (reset) {
    BackendLogin login = server_->login_used();
    login.charset = client.charset;
    login.database.reset();
    if (!client.database.empty()) login.database = client.database;
    auto r = co_await server_->change_user(login);
    if (!r) co_return std::move(r).error();
    if (r->error) co_return std::optional<ErrPacket>(std::move(r->error));
  } else if (s.database != client.database) {
    auto r = co_await server_->init_db(client.database);
    if (!r) co_return std::move(r).error();
    if (r->error) co_return std::optional<ErrPacket>(std::move(r->error));
  }
  if (s.settings_key != client.settings_key()) {
    for (const std::string& set : client.replay()) {
      auto r = co_await server_->execute_simple(set);
      if (!r) co_return std::move(r).error();
      if (r->error) {
        s.dirty = true;
        co_return std::optional<ErrPacket>(std::move(r->error));
      }
    }
    s.settings_key = client.settings_key();
  }
  co_return std::optional<ErrPacket>();
}

}  // namespace sw::mysql
