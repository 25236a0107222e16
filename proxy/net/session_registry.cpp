#include "proxy/net/session_registry.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "proxy/core/metrics.hpp"
#include "proxy/core/proxy_metrics.hpp"

namespace sw::net {

struct SessionHandle::Entry {
  SessionInfo info;  // id, protocol, tenant, peer, connected_at: fixed after add()
  std::atomic<SessionState> state{SessionState::idle};
  std::mutex database_mutex;  // the database may change (MySQL COM_INIT_DB)
  asio::any_io_executor executor;
  std::function<void()> kill;
  bool alive = true;  // read and written on the session's worker only
};

SessionHandle& SessionHandle::operator=(SessionHandle&& other) noexcept {
  if (this != &other) {
    reset();
    entry_ = std::move(other.entry_);
  }
  return *this;
}

std::uint64_t SessionHandle::id() const noexcept {
  return entry_ ? entry_->info.id : 0;
}

void SessionHandle::set_state(SessionState s) noexcept {
  if (entry_) entry_->state.store(s, std::memory_order_relaxed);
}

void SessionHandle::set_database(std::string database) {
  if (!entry_) return;
  std::lock_guard lock(entry_->database_mutex);
  entry_->info.database = std::move(database);
}

void SessionHandle::reset() noexcept {
  if (!entry_) return;
  entry_->alive = false;
  SessionRegistry::instance().remove(entry_->info.id);
  entry_.reset();
}

SessionRegistry& SessionRegistry::instance() {
  static SessionRegistry registry;
  return registry;
}

SessionRegistry::SessionRegistry() {
  metrics::Registry::global().add_collector([this](metrics::Exposition& out) {
    std::map<std::tuple<std::string, std::string, std::string>, int> counts;
    for (const auto& s : list())
      ++counts[{s.tenant, protocol_name(s.protocol), session_state_name(s.state)}];
    for (const auto& [key, n] : counts)
      out.gauge("sqlwarden_client_connections", "Logged-in client connections",
                {{"tenant", std::get<0>(key)},
                 {"protocol", std::get<1>(key)},
                 {"state", std::get<2>(key)}},
                n);
    if (counts.empty())
      out.gauge("sqlwarden_client_connections", "Logged-in client connections", {}, 0);
  });
}

SessionHandle SessionRegistry::add(SessionInfo info, asio::any_io_executor executor,
                                   std::function<void()> kill) {
  auto entry = std::make_shared<SessionHandle::Entry>();
  entry->executor = std::move(executor);
  entry->kill = std::move(kill);
  info.connected_at = std::chrono::system_clock::now();
  metrics::count_client_connection(info.protocol);
  {
    std::lock_guard lock(mutex_);
    info.id = next_id_++;
    entry->info = std::move(info);
    entries_.emplace(entry->info.id, entry);
  }
  SessionHandle h;
  h.entry_ = std::move(entry);
  return h;
}

void SessionRegistry::remove(std::uint64_t id) noexcept {
  std::lock_guard lock(mutex_);
  entries_.erase(id);
}

std::vector<SessionInfo> SessionRegistry::list() const {
  std::vector<std::shared_ptr<SessionHandle::Entry>> entries;
  {
    std::lock_guard lock(mutex_);
    entries.reserve(entries_.size());
    for (const auto& [id, e] : entries_) entries.push_back(e);
  }
  std::vector<SessionInfo> out;
  out.reserve(entries.size());
  for (const auto& e : entries) {
    std::lock_guard lock(e->database_mutex);
    SessionInfo info = e->info;
    info.state = e->state.load(std::memory_order_relaxed);
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::size_t SessionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

bool SessionRegistry::kill(std::uint64_t id) {
  std::shared_ptr<SessionHandle::Entry> entry;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return false;
    entry = it->second;
  }
  asio::post(entry->executor, [entry] {
    if (entry->alive && entry->kill) entry->kill();
  });
  return true;
}

std::string peer_address(const tcp::socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

const char* session_state_name(SessionState s) noexcept {
  return s == SessionState::active ? "active" : "idle";
}

}  // namespace sw::net
