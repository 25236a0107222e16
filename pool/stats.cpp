#include "pool/stats.hpp"

#include <algorithm>

namespace sw::pool {

void PoolSnapshot::add(const ShardCounters& c) {
  auto r = [](const auto& a) { return a.load(std::memory_order_relaxed); };
  clients_active += r(c.clients_active);
  clients_waiting += r(c.clients_waiting);
  servers_active += r(c.servers_active);
  servers_idle += r(c.servers_idle);
  servers_login += r(c.servers_login);
  max_wait_us = std::max(max_wait_us, r(c.max_wait_us));
  transactions += r(c.transactions);
  queries += r(c.queries);
  bytes_received += r(c.bytes_received);
  bytes_sent += r(c.bytes_sent);
  xact_time_us_ += r(c.xact_time_us);
  query_time_us_ += r(c.query_time_us);
  wait_time_us_ += r(c.wait_time_us);
  waits_ += r(c.waits);
  server_connects += r(c.server_connects);
  server_connect_failures += r(c.server_connect_failures);
  wait_timeouts += r(c.wait_timeouts);
}

void PoolSnapshot::finish() {
  avg_xact_time_us = transactions ? xact_time_us_ / transactions : 0;
  avg_query_time_us = queries ? query_time_us_ / queries : 0;
  avg_wait_time_us = waits_ ? wait_time_us_ / waits_ : 0;
}

}  // namespace sw::pool
