#include "proxy/admin/pool_pause_routes.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "pool/registry.hpp"

namespace sw::admin {
namespace {

using nlohmann::json;
using Budgets = std::vector<std::shared_ptr<pool::Budget>>;

// The backend pools `name` designates that the caller may act on.
Budgets select(const std::string& name, const Config& config, const Principal& who) {
  Budgets out;
  for (auto& b : pool::PoolRegistry::instance().budgets()) {
    const pool::PoolKey& k = b->key();
    if (!who.may_access_tenant(k.tenant)) continue;
    bool match = name == "*" || name == k.tenant || name == k.name();
    for (const auto& t : config.tenants) {
      if (match || t.name != k.tenant) continue;
      if (t.postgres && name == t.name + "/postgres" &&
          t.postgres->backend.to_string() == k.backend)
        match = true;
      if (t.mysql && name == t.name + "/mysql" && t.mysql->backend.to_string() == k.backend)
        match = true;
    }
    if (match) out.push_back(b);
  }
  return out;
}

// Transactions still holding a server connection in the selected pools.
std::uint32_t active_servers(const Budgets& budgets) {
  std::uint32_t n = 0;
  for (const auto& b : budgets) n += b->snapshot().servers_active;
  return n;
}

json names(const Budgets& budgets) {
  json out = json::array();
  for (const auto& b : budgets) out.push_back(b->key().name());
  return out;
}

Result<std::chrono::milliseconds> wait_limit(const Request& req) {
  auto v = req.query_param("wait_ms");
  if (!v) return std::chrono::milliseconds(30000);
  try {
    std::size_t used = 0;
    long ms = std::stol(*v, &used);
    if (used == v->size() && ms >= 0 && ms <= 3'600'000) return std::chrono::milliseconds(ms);
  } catch (const std::exception&) {
  }
  return make_error(Errc::invalid_argument, "wait_ms: expected milliseconds in 0..3600000");
}

}  // namespace

void add_pool_pause_routes(Router& router, LiveConfig& live) {
  router.add(
      "POST", "/api/v1/pools/{pool}/pause", AdminRole::admin,
      [&live](Request& req) -> net::awaitable<Response> {
        auto limit = wait_limit(req);
        if (!limit) co_return bad_request(limit.error());
        Budgets pools =
            select(percent_decode(req.params["pool"], false), *live.get(), req.principal);
        if (pools.empty())
          co_return error_response(404, "not_found",
                                   "no pool by that name (pools appear once used)");
        for (auto& b : pools) b->pause();
        // Wait for running transactions to end without blocking the
        // worker: a timer between looks at the counters.
        auto deadline = std::chrono::steady_clock::now() + *limit;
        net::asio::steady_timer timer(co_await net::asio::this_coro::executor);
        std::uint32_t active = active_servers(pools);
        while (active > 0 && std::chrono::steady_clock::now() < deadline) {
          timer.expires_after(std::chrono::milliseconds(20));
          net::error_code ec;
          co_await timer.async_wait(net::nothrow(ec));
          active = active_servers(pools);
        }
        co_return json_response(
            {{"paused", names(pools)}, {"complete", active == 0}, {"servers_active", active}},
            active == 0 ? 200 : 202);
      });
  router.add_sync("POST", "/api/v1/pools/{pool}/resume", AdminRole::admin, [&live](Request& req) {
    Budgets pools = select(percent_decode(req.params["pool"], false), *live.get(), req.principal);
    if (pools.empty()) return error_response(404, "not_found", "no pool by that name");
    for (auto& b : pools) b->resume();
    return json_response({{"resumed", names(pools)}});
  });
}

}  // namespace sw::admin
