#pragma once
// What identifies a pool: server connections are interchangeable only when
// they were logged in to the same backend, database and backend user on
// behalf of the same tenant. One key = one process-wide budget of `size`.
#include <cstddef>
#include <functional>
#include <string>

namespace sw::pool {

struct PoolKey {
  std::string tenant;
  std::string backend;  // "host:port"
  std::string database;
  std::string user;  // the backend user the pool logs in as

  // "tenant/user@backend/database": how errors and stats name the pool.
  std::string name() const { return tenant + "/" + user + "@" + backend + "/" + database; }
  friend bool operator==(const PoolKey&, const PoolKey&) = default;
};

struct PoolKeyHash {
  std::size_t operator()(const PoolKey& k) const noexcept {
    std::hash<std::string> h;
    std::size_t v = h(k.tenant);
    for (const std::string* s : {&k.backend, &k.database, &k.user}) v = v * 1000003u ^ h(*s);
    return v;
  }
};

}  // namespace sw::pool
