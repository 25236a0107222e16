#pragma once
// Process-wide map from the cancel key the proxy gave a client (its own
// BackendKeyData) to the server connection currently running that client's
// work. A CancelRequest arrives on a fresh connection that any worker may
// accept, so this is the one piece of shared, locked state in the PG driver.
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "proxy/core/config.hpp"

namespace sw::pg {

struct CancelTarget {
  Endpoint backend;
  std::uint32_t pid = 0;  // the backend's own BackendKeyData
  std::uint32_t key = 0;
};

struct ClientCancelKey {
  std::uint32_t pid = 0;
  std::uint32_t key = 0;
};

class CancelRegistry {
 public:
  static CancelRegistry& instance();

  // Issues a fresh client-visible key (pid unique among live sessions).
  ClientCancelKey add();
  // Which server connection a cancel for `client` should reach (none while idle).
  void set_target(std::uint32_t client_pid, std::optional<CancelTarget> target);
  void remove(std::uint32_t client_pid);
  std::optional<CancelTarget> find(const ClientCancelKey& client) const;

 private:
  struct Entry {
    std::uint32_t key = 0;
    std::optional<CancelTarget> target;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::uint32_t, Entry> entries_;
};

}  // namespace sw::pg
