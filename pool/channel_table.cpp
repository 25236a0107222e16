#include "pool/channel_table.hpp"

namespace sw::pool {

bool ChannelTable::subscribe(SubscriberId s, const std::string& channel) {
  if (subs_[channel].insert(s).second) {
    by_subscriber_[s].insert(channel);
    ++subscriptions_;
  }
  return !listened_.count(channel) || leaving_.count(channel);
}

void ChannelTable::unsubscribe(SubscriberId s, const std::string& channel) {
  auto it = subs_.find(channel);
  if (it == subs_.end() || !it->second.erase(s)) return;
  --subscriptions_;
  if (it->second.empty()) subs_.erase(it);
  auto b = by_subscriber_.find(s);
  if (b != by_subscriber_.end()) {
    b->second.erase(channel);
    if (b->second.empty()) by_subscriber_.erase(b);
  }
}

void ChannelTable::unsubscribe_all(SubscriberId s) {
  auto b = by_subscriber_.find(s);
  if (b == by_subscriber_.end()) return;
  for (const auto& channel : b->second) {
    auto it = subs_.find(channel);
    if (it == subs_.end()) continue;
    if (it->second.erase(s)) --subscriptions_;
    if (it->second.empty()) subs_.erase(it);
  }
  by_subscriber_.erase(b);
}

const std::set<SubscriberId>& ChannelTable::subscribers(const std::string& channel) const {
  static const std::set<SubscriberId> kNone;
  auto it = subs_.find(channel);
  return it == subs_.end() ? kNone : it->second;
}

ChannelTable::Plan ChannelTable::plan() const {
  Plan p;
  for (const auto& [channel, who] : subs_)
    if (!listened_.count(channel)) p.listen.push_back(channel);
  for (const auto& channel : listened_)
    if (!subs_.count(channel)) p.unlisten.push_back(channel);
  return p;
}

ChannelTable::Plan ChannelTable::take_plan() {
  Plan p = plan();
  leaving_.clear();
  leaving_.insert(p.unlisten.begin(), p.unlisten.end());
  return p;
}

void ChannelTable::confirm(const Plan& plan) {
  leaving_.clear();
  for (const auto& c : plan.listen) listened_.insert(c);
  for (const auto& c : plan.unlisten) listened_.erase(c);
}

bool ChannelTable::listened(const std::string& channel) const {
  return listened_.count(channel) != 0;
}

void ChannelTable::lost() {
  listened_.clear();
  leaving_.clear();
}

ListenRegistry& ListenRegistry::instance() {
  static ListenRegistry registry;
  return registry;
}

std::shared_ptr<ListenCounters> ListenRegistry::counters(const PoolKey& key) {
  std::lock_guard lock(mu_);
  auto& e = entries_[key.name()];
  e.first = key;
  return e.second.counters;
}

void ListenRegistry::set_backend_view(const PoolKey& key, std::int64_t pid,
                                      std::vector<std::string> channels) {
  std::lock_guard lock(mu_);
  auto& e = entries_[key.name()];
  e.first = key;
  e.second.pid = pid;
  e.second.backend_channels = std::move(channels);
}

std::vector<ListenSnapshot> ListenRegistry::snapshot() {
  std::lock_guard lock(mu_);
  std::vector<ListenSnapshot> out;
  for (const auto& [name, entry] : entries_) {
    const auto& [key, e] = entry;
    const ListenCounters& c = *e.counters;
    auto r = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    ListenSnapshot s;
    s.key = key;
    s.channels = r(c.channels);
    s.subscribers = r(c.subscribers);
    s.subscriptions = r(c.subscriptions);
    s.received = r(c.received);
    s.relayed = r(c.relayed);
    s.dropped = r(c.dropped);
    s.overflow_closes = r(c.overflow_closes);
    s.reconnects = r(c.reconnects);
    s.lost_window_ms = r(c.lost_window_ms);
    s.connected = c.connected.load(std::memory_order_relaxed);
    s.backend_pid = e.pid;
    s.backend_channels = e.backend_channels;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sw::pool
