#pragma once
// Every logged-in client session of the process, for the admin API
// (/api/v1/clients, clients/{id}/kill) and the connection gauges in
// /metrics. A session registers once after login and keeps the returned
// handle; the handle's destructor unregisters it. Reads take the registry's
// lock; the per-query state flag is a relaxed atomic, so the data path never
// locks after login.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "proxy/core/config.hpp"
#include "proxy/net/asio.hpp"

namespace sw::net {

enum class SessionState : std::uint8_t { idle, active };

struct SessionInfo {
  std::uint64_t id = 0;
  Protocol protocol = Protocol::postgres;
  std::string tenant;
  std::string user;
  std::string database;
  std::string peer;  // "ip:port"
  std::chrono::system_clock::time_point connected_at{};
  SessionState state = SessionState::idle;
};

class SessionRegistry;

class SessionHandle {
 public:
  SessionHandle() = default;
  SessionHandle(SessionHandle&&) noexcept = default;
  SessionHandle& operator=(SessionHandle&& other) noexcept;
  SessionHandle(const SessionHandle&) = delete;
  SessionHandle& operator=(const SessionHandle&) = delete;
  ~SessionHandle() { reset(); }

  std::uint64_t id() const noexcept;
  void set_state(SessionState s) noexcept;
  void set_database(std::string database);
  void reset() noexcept;

 private:
  friend class SessionRegistry;
  struct Entry;
  std::shared_ptr<Entry> entry_;
};

class SessionRegistry {
 public:
  static SessionRegistry& instance();

  // `kill` runs on `executor` (the session's worker) and only while the
  // session is still registered; it should close the session's sockets.
  SessionHandle add(SessionInfo info, asio::any_io_executor executor, std::function<void()> kill);

  std::vector<SessionInfo> list() const;
  std::size_t size() const;
  // False when no session has this id.
  bool kill(std::uint64_t id);

 private:
  friend class SessionHandle;
  SessionRegistry();  // registers the connection gauges with the metrics registry
  void remove(std::uint64_t id) noexcept;

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::shared_ptr<SessionHandle::Entry>> entries_;
};

const char* session_state_name(SessionState s) noexcept;
// "ip:port" of the socket's peer, or "unknown".
std::string peer_address(const tcp::socket& socket);

}  // namespace sw::net
