#pragma once
// LISTEN/NOTIFY under transaction pooling, the protocol-neutral part: which
// clients listen on which channel of one pool key, and which channels the
// one listening server connection of that key must LISTEN on. A plain state
// machine (no locks, no I/O): the driver keeps one per pool key behind its
// own mutex, asks plan() what to send to the listening connection, reports
// the server's answer with confirm(), and asks subscribers() where a
// notification goes.
//
// A channel is listened on the server while it has at least one subscriber
// (reference count = subscribers); the last unsubscribe makes plan() ask
// for UNLISTEN. A lost listening connection forgets what the server had
// (lost()), so the next plan() LISTENs every channel again.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pool/pool_key.hpp"

namespace sw::pool {

using SubscriberId = std::uint64_t;

class ChannelTable {
 public:
  // True when the channel is not (yet) confirmed as listened on the server,
  // or an UNLISTEN of it is on its way there (take_plan() handed it out):
  // the caller must wait for confirm() and the LISTEN after it before telling
  // its client LISTEN is done, or notifications sent in between would be lost.
  bool subscribe(SubscriberId s, const std::string& channel);
  void unsubscribe(SubscriberId s, const std::string& channel);
  void unsubscribe_all(SubscriberId s);

  // Who gets a notification on `channel` (empty when nobody).
  const std::set<SubscriberId>& subscribers(const std::string& channel) const;

  // What the listening connection must do now: LISTEN the channels that have
  // subscribers but are not listened, UNLISTEN those listened without
  // subscribers. Empty plan: nothing to do.
  struct Plan {
    std::vector<std::string> listen;
    std::vector<std::string> unlisten;
    bool empty() const noexcept { return listen.empty() && unlisten.empty(); }
  };
  Plan plan() const;
  // plan(), for sending: its UNLISTENs count as done for subscribe() until
  // confirm(), abandon() or lost(), so a client that LISTENs again meanwhile
  // waits for the LISTEN that follows.
  Plan take_plan();
  // The server carried out `plan` (as returned by plan(); subscriptions may
  // have changed meanwhile, which the next plan() picks up).
  void confirm(const Plan& plan);
  // The server refused the plan taken last: it changed nothing.
  void abandon() { leaving_.clear(); }
  // Whether `channel` is listened on the server right now.
  bool listened(const std::string& channel) const;
  // The listening connection died: the server listens on nothing.
  void lost();

  std::size_t channel_count() const noexcept { return subs_.size(); }
  std::size_t subscription_count() const noexcept { return subscriptions_; }
  std::size_t subscriber_count() const noexcept { return by_subscriber_.size(); }
  // No subscriber and nothing listened: the listening connection can go.
  bool idle() const noexcept { return subs_.empty() && listened_.empty(); }
  std::vector<std::string> listened_channels() const {
    return {listened_.begin(), listened_.end()};
  }

 private:
  std::map<std::string, std::set<SubscriberId>, std::less<>> subs_;
  std::map<SubscriberId, std::set<std::string>> by_subscriber_;
  std::set<std::string, std::less<>> listened_;
  std::set<std::string, std::less<>> leaving_;  // UNLISTEN sent, not yet confirmed
  std::size_t subscriptions_ = 0;
};

// Counters of one pool key's LISTEN fan-out, for the admin API and metrics.
// Written by the listening connection's worker (relaxed atomics, one
// writer), except `dropped` and `overflow_closes`, which client sessions
// on any worker add to (fetch_add).
struct ListenCounters {
  std::atomic<std::uint64_t> channels{0};         // gauge: channels with subscribers
  std::atomic<std::uint64_t> subscribers{0};      // gauge: clients listening on something
  std::atomic<std::uint64_t> subscriptions{0};    // gauge: (client, channel) pairs
  std::atomic<std::uint64_t> received{0};         // notifications from the server
  std::atomic<std::uint64_t> relayed{0};          // notifications queued for a client
  std::atomic<std::uint64_t> dropped{0};          // lost: queue overflow closed the client
  std::atomic<std::uint64_t> overflow_closes{0};  // clients closed for falling behind
  std::atomic<std::uint64_t> reconnects{0};       // listening connection re-established
  std::atomic<std::uint64_t> lost_window_ms{0};   // total time without a listening connection
  std::atomic<bool> connected{false};
};

struct ListenSnapshot {
  PoolKey key;
  std::uint64_t channels = 0, subscribers = 0, subscriptions = 0, received = 0, relayed = 0,
                dropped = 0, overflow_closes = 0, reconnects = 0, lost_window_ms = 0;
  bool connected = false;
  std::int64_t backend_pid = 0;
  // What the listening connection's pg_listening_channels() (or the
  // protocol's equivalent) answered after its last change.
  std::vector<std::string> backend_channels;
};

// Process-wide: every pool key's listen counters, for the admin API.
class ListenRegistry {
 public:
  static ListenRegistry& instance();
  std::shared_ptr<ListenCounters> counters(const PoolKey& key);
  // Recorded by the listening connection after each change it made.
  void set_backend_view(const PoolKey& key, std::int64_t pid, std::vector<std::string> channels);
  std::vector<ListenSnapshot> snapshot();

 private:
  struct Entry {
    std::shared_ptr<ListenCounters> counters = std::make_shared<ListenCounters>();
    std::int64_t pid = 0;
    std::vector<std::string> backend_channels;
  };
  std::mutex mu_;
  std::map<std::string, std::pair<PoolKey, Entry>> entries_;  // by key.name()
};

}  // namespace sw::pool
