#pragma once
// Process-wide map from the connection id the proxy gave a client (in its
// greeting; what CONNECTION_ID()-aware clients and `KILL n` use) to the
// backend thread serving it. KILL arrives on another client connection,
// possibly on another worker, so this is the MySQL driver's one piece of
// shared, locked state.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "proxy/core/config.hpp"

namespace sw::mysql {

struct KillTarget {
  Endpoint backend;
  std::uint32_t thread_id = 0;  // 0: no server connection held (pooled, between transactions)
  std::string tenant;
  // Ends the client's session from any thread (posts to its worker).
  std::function<void()> close_client;
};

class ConnectionRegistry {
 public:
  static ConnectionRegistry& instance();

  // A fresh id, unique among live sessions, never 0.
  std::uint32_t add(const std::string& tenant);
  // The backend thread now serving the client (0 = none), so KILL QUERY
  // reaches whichever server connection runs its statement at this moment.
  void set_target(std::uint32_t id, const Endpoint& backend, std::uint32_t thread_id);
  void set_closer(std::uint32_t id, std::function<void()> close_client);
  void remove(std::uint32_t id);
  std::optional<KillTarget> find(std::uint32_t id) const;

 private:
  mutable std::mutex mutex_;
  std::uint32_t next_ = 1;
  std::unordered_map<std::uint32_t, KillTarget> entries_;
};

}  // namespace sw::mysql
