#pragma once
// LISTEN/NOTIFY under transaction pooling: one listening server connection
// per pool key (backend, database, user) LISTENs on the union of the
// channels its clients listen on, and fans every NotificationResponse out to
// the subscribed client sessions, verbatim (the sender's process id stays).
//
// Threading. Sessions live on many workers; the hub is per process and per
// key. Its channel table (pool::ChannelTable) and subscriber list sit behind
// one mutex, taken on LISTEN/UNLISTEN/disconnect and once per notification,
// never per statement. The listening connection belongs to one worker, the
// *home* worker (the worker of the session that first listened): its
// controller coroutine (sends LISTEN/UNLISTEN, re-establishes the connection
// when it dies) and its reader coroutine (reads notifications) run there.
// A notification is posted to each subscriber's worker once per worker, in
// the order the server sent it (posts to one io_context run in FIFO order),
// and the session queues it until its client is between transactions.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "pool/channel_table.hpp"
#include "pool/shard.hpp"
#include "proxy/pg/server_connection.hpp"

namespace sw::pg {

// A client session that listens; called on its own worker.
class NotificationSink {
 public:
  virtual ~NotificationSink() = default;
  // `message` is the server's NotificationResponse, whole.
  virtual void on_notification(const std::shared_ptr<const Bytes>& message,
                               const std::string& channel) = 0;
};

struct ListenHubSetup {
  pool::PoolKey key;
  ServerLogin login;
  std::weak_ptr<pool::Shard> shard;  // the home worker's shard of `key`
  net::asio::any_io_executor home;
  bool counted_in_pool = true;  // listen_connections = 1: the connection takes a pool slot
};

class ListenHub : public std::enable_shared_from_this<ListenHub> {
 public:
  // The hub of setup.key, created on first use with `setup` (later callers'
  // setup is ignored: the first session's worker is home).
  static std::shared_ptr<ListenHub> of(const ListenHubSetup& setup);
  static pool::SubscriberId next_subscriber_id();

  explicit ListenHub(ListenHubSetup setup);

  // Any thread. True when `channel` is already listened on the server;
  // otherwise `done` is posted to `ex` once it is ("" ) or when the
  // listening connection cannot be opened (the reason).
  using Done = std::function<void(std::string error)>;
  bool subscribe(pool::SubscriberId id, const std::string& channel,
                 std::weak_ptr<NotificationSink> sink, const net::asio::any_io_executor& ex,
                 Done done);
  void unsubscribe(pool::SubscriberId id, const std::string& channel);
  void unsubscribe_all(pool::SubscriberId id);

  pool::ListenCounters& counters() noexcept { return *counters_; }
  const pool::PoolKey& key() const noexcept { return setup_.key; }

 private:
  struct Subscriber {
    std::weak_ptr<NotificationSink> sink;
    net::asio::any_io_executor ex;
  };
  struct Waiter {
    std::string channel;
    net::asio::any_io_executor ex;
    Done done;
  };

  void kick_locked();  // starts or wakes the controller (mu_ held)
  void update_gauges_locked();
  // Home worker only.
  net::awaitable<void> run();
  net::awaitable<void> read_loop(ServerConnection& conn);
  net::awaitable<void> wait_wake();
  void wake();
  net::awaitable<bool> command(ServerConnection& conn, const std::string& sql);
  void fan_out(ByteSpan message);
  void finish_waiters(const std::string& error);

  ListenHubSetup setup_;
  std::shared_ptr<pool::ListenCounters> counters_;

  std::mutex mu_;
  pool::ChannelTable table_;
  std::unordered_map<pool::SubscriberId, Subscriber> subs_;
  std::vector<Waiter> waiters_;
  bool running_ = false;

  // Home worker only; valid while run() runs (its frame owns them).
  net::asio::steady_timer* wake_timer_ = nullptr;
  bool wake_pending_ = false;
  bool reader_running_ = false;
  bool conn_lost_ = false;
  int cmd_pending_ = 0;  // ReadyForQuery still due for the current command
  std::string cmd_error_;
  std::vector<std::string> cmd_rows_;
};

}  // namespace sw::pg
