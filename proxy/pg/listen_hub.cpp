#include "proxy/pg/listen_hub.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "proxy/net/spawn.hpp"
#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/lease.hpp"
#include "proxy/pg/listen_sql.hpp"
#include "proxy/pg/message_io.hpp"
#include "proxy/pg/server_exchange.hpp"

namespace sw::pg {

namespace {

constexpr std::uint32_t kMaxMessage = 1u << 20;  // notifications carry at most 8000 bytes
constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);

// Hubs by key name. Weak: a hub lives while its sessions or its controller
// hold it, so none outlives the workers at exit.
std::mutex g_hubs_mu;
std::unordered_map<std::string, std::weak_ptr<ListenHub>>& hubs() {
  static std::unordered_map<std::string, std::weak_ptr<ListenHub>> map;
  return map;
}

std::atomic<pool::SubscriberId> g_next_id{1};

}  // namespace

std::shared_ptr<ListenHub> ListenHub::of(const ListenHubSetup& setup) {
  std::lock_guard lock(g_hubs_mu);
  auto& weak = hubs()[setup.key.name()];
  auto hub = weak.lock();
  if (!hub) {
    hub = std::make_shared<ListenHub>(setup);
    weak = hub;
  }
  return hub;
}

pool::SubscriberId ListenHub::next_subscriber_id() {
  return g_next_id.fetch_add(1, std::memory_order_relaxed);
}

ListenHub::ListenHub(ListenHubSetup setup)
    : setup_(std::move(setup)), counters_(pool::ListenRegistry::instance().counters(setup_.key)) {}

bool ListenHub::subscribe(pool::SubscriberId id, const std::string& channel,
                          std::weak_ptr<NotificationSink> sink,
                          const net::asio::any_io_executor& ex, Done done) {
  std::lock_guard lock(mu_);
  subs_[id] = Subscriber{std::move(sink), ex};
  bool wait = table_.subscribe(id, channel);
  update_gauges_locked();
  if (!wait) return true;
  waiters_.push_back({channel, ex, std::move(done)});
  kick_locked();
  return false;
}

void ListenHub::unsubscribe(pool::SubscriberId id, const std::string& channel) {
  std::lock_guard lock(mu_);
  table_.unsubscribe(id, channel);
  update_gauges_locked();
  if (!table_.plan().empty()) kick_locked();
}

void ListenHub::unsubscribe_all(pool::SubscriberId id) {
  std::lock_guard lock(mu_);
  table_.unsubscribe_all(id);
  subs_.erase(id);
  update_gauges_locked();
  if (!table_.plan().empty()) kick_locked();
}

void ListenHub::update_gauges_locked() {
  counters_->channels.store(table_.channel_count(), std::memory_order_relaxed);
  counters_->subscribers.store(table_.subscriber_count(), std::memory_order_relaxed);
  counters_->subscriptions.store(table_.subscription_count(), std::memory_order_relaxed);
}

void ListenHub::kick_locked() {
  if (!running_) {
    running_ = true;
    net::spawn_logged(
        setup_.home,
        [](std::shared_ptr<ListenHub> self) -> net::awaitable<void> {
          co_await self->run();
        }(shared_from_this()),
        "pg listen hub");
    return;
  }
  net::asio::post(setup_.home, [self = shared_from_this()] { self->wake(); });
}

void ListenHub::wake() {
  wake_pending_ = true;
  if (wake_timer_) wake_timer_->cancel();
}

net::awaitable<void> ListenHub::wait_wake() {
  if (!wake_pending_ && wake_timer_) {
    wake_timer_->expires_at(std::chrono::steady_clock::time_point::max());
    net::error_code ec;
    co_await wake_timer_->async_wait(net::nothrow(ec));
  }
  wake_pending_ = false;
}

void ListenHub::finish_waiters(const std::string& error) {
  std::vector<Waiter> ready;
  {
    std::lock_guard lock(mu_);
    auto keep = std::partition(waiters_.begin(), waiters_.end(), [&](const Waiter& w) {
      return error.empty() && !table_.listened(w.channel) && !table_.subscribers(w.channel).empty();
    });
    ready.assign(std::make_move_iterator(keep), std::make_move_iterator(waiters_.end()));
    waiters_.erase(keep, waiters_.end());
  }
  for (auto& w : ready) net::asio::post(w.ex, [done = std::move(w.done), error] { done(error); });
}

net::awaitable<bool> ListenHub::command(ServerConnection& conn, const std::string& sql) {
  cmd_pending_ = 2;
  cmd_error_.clear();
  cmd_rows_.clear();
  // Two Queries: LISTEN takes effect when its (implicit) transaction
  // commits, so the channel list is read in a second one.
  Bytes out;
  codec::append_query(out, sql);
  codec::append_query(out, "SELECT pg_catalog.pg_listening_channels()");
  net::error_code ec;
  co_await conn.stream().write(net::asio::buffer(out), ec);
  if (ec) conn_lost_ = true;
  while (cmd_pending_ > 0 && !conn_lost_) co_await wait_wake();
  co_return !conn_lost_;
}

void ListenHub::fan_out(ByteSpan message) {
  auto n = codec::parse_notification(message);
  if (!n) {
    spdlog::warn("pg listen {}: malformed NotificationResponse ignored", setup_.key.name());
    return;
  }
  pool::ShardCounters::add(counters_->received, 1);
  auto bytes = std::make_shared<const Bytes>(message.begin(), message.end());
  std::string channel(n->channel);
  // One post per worker that has subscribers, in the order the server sent.
  struct Batch {
    net::asio::any_io_executor ex;
    std::vector<std::weak_ptr<NotificationSink>> sinks;
  };
  std::vector<Batch> batches;
  {
    std::lock_guard lock(mu_);
    for (pool::SubscriberId id : table_.subscribers(channel)) {
      auto it = subs_.find(id);
      if (it == subs_.end()) continue;
      auto b = std::find_if(batches.begin(), batches.end(),
                            [&](const Batch& x) { return x.ex == it->second.ex; });
      if (b == batches.end()) b = batches.insert(batches.end(), Batch{it->second.ex, {}});
      b->sinks.push_back(it->second.sink);
    }
  }
  for (auto& b : batches)
    net::asio::post(b.ex, [bytes, channel, sinks = std::move(b.sinks)] {
      for (const auto& s : sinks)
        if (auto sink = s.lock()) sink->on_notification(bytes, channel);
    });
}

net::awaitable<void> ListenHub::read_loop(ServerConnection& conn) {
  for (;;) {
    auto m = co_await read_message(conn.stream(), conn.reader(), kMaxMessage);
    if (!m) break;
    ByteSpan message = *m;
    switch (message[0]) {
      case codec::msg::kNotification:
        fan_out(message);
        break;
      case 'D': {
        std::array<std::optional<ByteSpan>, 1> cols;
        if (cmd_pending_ > 0 && codec::parse_data_row(message, cols) && cols[0])
          cmd_rows_.emplace_back(as_chars(*cols[0]));
        break;
      }
      case codec::msg::kErrorResponse:
        if (auto f = codec::parse_error_fields(message))
          for (const auto& [code, value] : *f)
            if (code == 'M' && cmd_error_.empty()) cmd_error_ = value;
        if (cmd_pending_ == 0) {
          // An unprompted error is the server going away (FATAL).
          conn.reader().consume(message.size());
          conn_lost_ = true;
          reader_running_ = false;
          wake();
          co_return;
        }
        break;
      case codec::msg::kReadyForQuery:
        if (cmd_pending_ > 0) --cmd_pending_;
        if (cmd_pending_ == 0) wake();
        break;
      default:
        break;  // CommandComplete, RowDescription, ParameterStatus, notices
    }
    conn.reader().consume(message.size());
  }
  conn_lost_ = true;
  reader_running_ = false;
  wake();
}

// The controller: owns the listening connection and its wake timer, keeps
// the server's LISTEN set equal to the channel table's, re-establishes the
// connection when it dies, and ends when nobody listens any more.
net::awaitable<void> ListenHub::run() {
  auto self = shared_from_this();
  net::asio::steady_timer timer(co_await net::asio::this_coro::executor);
  wake_timer_ = &timer;
  std::unique_ptr<ServerConnection> conn;
  std::shared_ptr<pool::Shard> shard;  // the lease's shard while a lease is held
  auto backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
  std::optional<std::chrono::steady_clock::time_point> lost_since;
  const std::string name = setup_.key.name();

  // Gives the connection up: back to the pool as unusable (its slot frees
  // once the backend let go), or closed when it is outside the pool.
  auto drop = [&]() -> net::awaitable<void> {
    if (!conn) co_return;
    if (reader_running_) {
      net::error_code ignore;
      conn->stream().socket().cancel(ignore);
      while (reader_running_) co_await wait_wake();
    }
    counters_->connected.store(false, std::memory_order_relaxed);
    if (shard) {
      return_server(*shard, std::move(conn), false);
      shard.reset();
    } else {
      co_await conn->close();
      conn.reset();
    }
    pool::ListenRegistry::instance().set_backend_view(setup_.key, 0, {});
  };

  for (;;) {
    if (conn && conn_lost_) {
      spdlog::warn(
          "pg listen {}: the listening server connection was lost; re-establishing it "
          "(notifications sent until it is back are lost)",
          name);
      co_await drop();
      lost_since = std::chrono::steady_clock::now();
      std::lock_guard lock(mu_);
      table_.lost();
    }
    pool::ChannelTable::Plan plan;
    bool idle;
    {
      std::lock_guard lock(mu_);
      plan = table_.take_plan();
      idle = table_.idle() || (conn == nullptr && table_.channel_count() == 0);
      if (idle && !conn) {
        running_ = false;
        wake_timer_ = nullptr;
        lost_since.reset();
        co_return;
      }
    }
    if (idle) {
      co_await drop();  // nobody listens: the slot goes back to the pool
      continue;
    }
    if (!conn) {
      std::string problem;
      conn_lost_ = false;
      if (setup_.counted_in_pool) {
        shard = setup_.shard.lock();
        if (shard) {
          auto lease = co_await lease_server(shard, setup_.login);
          conn = std::move(lease.server);
          problem = lease.message;
          if (!conn) shard.reset();
        } else {
          problem = "the pool is gone";
        }
      } else {
        auto [server, failure] = co_await ServerConnection::open(setup_.login);
        conn = std::move(server);
        problem = failure.problem;
      }
      if (conn) {
        // Named, so operators find it in pg_stat_activity.
        auto r = co_await run_internal(*conn, "SET application_name = 'sqlwarden listen'");
        if (!r || !r->ok()) {
          problem = r ? r->error : r.error().message;
          conn_lost_ = true;
        }
      }
      if (!conn || conn_lost_) {
        spdlog::warn("pg listen {}: cannot open the listening connection: {}", name, problem);
        if (conn) co_await drop();
        finish_waiters("sqlwarden: cannot open the listening connection of pool \"" + name +
                       "\": " + problem);
        timer.expires_after(backoff);
        net::error_code ec;
        co_await timer.async_wait(net::nothrow(ec));
        backoff = std::min(backoff * 2,
                           std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
        continue;
      }
      backoff = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstBackoff);
      counters_->connected.store(true, std::memory_order_relaxed);
      if (lost_since) {
        auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - *lost_since);
        spdlog::warn(
            "pg listen {}: listening connection re-established after {} ms; notifications "
            "sent in that window were lost",
            name, gap.count());
        pool::ShardCounters::add(counters_->reconnects, 1);
        pool::ShardCounters::add(counters_->lost_window_ms,
                                 static_cast<std::uint64_t>(gap.count()));
        lost_since.reset();
      }
      reader_running_ = true;
      net::spawn_logged(
          setup_.home,
          [](std::shared_ptr<ListenHub> self, ServerConnection& c) -> net::awaitable<void> {
            co_await self->read_loop(c);
          }(self, *conn),
          "pg listen reader");
      std::lock_guard lock(mu_);
      table_.lost();  // a fresh connection listens on nothing
      continue;
    }
    if (plan.empty()) {
      co_await wait_wake();
      continue;
    }
    std::string sql;
    for (const auto& c : plan.listen) sql += "LISTEN " + quote_channel(c) + ";";
    for (const auto& c : plan.unlisten) sql += "UNLISTEN " + quote_channel(c) + ";";
    if (!co_await command(*conn, sql)) continue;
    if (!cmd_error_.empty()) {
      // LISTEN itself failed (e.g. the server ran out of memory): the
      // clients waiting for those channels are told, the table keeps them.
      spdlog::warn("pg listen {}: {}", name, cmd_error_);
      {
        std::lock_guard lock(mu_);
        table_.abandon();
      }
      finish_waiters("sqlwarden: LISTEN failed on the listening connection of pool \"" + name +
                     "\": " + cmd_error_);
      timer.expires_after(backoff);
      net::error_code ec;
      co_await timer.async_wait(net::nothrow(ec));
      continue;
    }
    {
      std::lock_guard lock(mu_);
      table_.confirm(plan);
    }
    std::sort(cmd_rows_.begin(), cmd_rows_.end());
    pool::ListenRegistry::instance().set_backend_view(setup_.key, conn->cancel_target().pid,
                                                      cmd_rows_);
    finish_waiters("");
  }
}

}  // namespace sw::pg
