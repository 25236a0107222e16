#include "proxy/admin/basic_routes.hpp"

#include <chrono>

#include <openssl/opensslv.h>
#include <boost/version.hpp>

#include "proxy/core/version.hpp"
#include "proxy/net/connect.hpp"

namespace sw::admin {

namespace {

const auto kStarted = std::chrono::steady_clock::now();

// Each backend's reachability: a TCP connect with a short timeout, timed.
net::awaitable<nlohmann::json> probe(const Endpoint& backend) {
  auto start = std::chrono::steady_clock::now();
  auto socket = co_await net::connect_backend(backend, std::chrono::milliseconds(1000));
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json j{{"address", backend.to_string()}, {"reachable", socket.ok()}};
  if (socket.ok()) {
    j["latency_ms"] = ms;
    net::error_code ignore;
    socket->close(ignore);
  } else {
    j["error"] = socket.error().message;
  }
  co_return j;
}

}  // namespace

void add_basic_routes(Router& router, LiveConfig& live) {
  router.add("GET", "/health", AdminRole::read, [&live](Request& req) -> net::awaitable<Response> {
    ConfigPtr config = live.get();
    nlohmann::json backends = nlohmann::json::array();
    bool all_up = true;
    for (const auto& tenant : config->tenants) {
      if (!req.principal.may_access_tenant(tenant.name)) continue;
      const std::pair<const char*, const std::optional<ListenerConfig>*> listeners[] = {
          {"postgres", &tenant.postgres}, {"mysql", &tenant.mysql}};
      for (const auto& [protocol, l] : listeners) {
        if (!l->has_value()) continue;
        nlohmann::json b = co_await probe((*l)->backend);
        b["tenant"] = tenant.name;
        b["protocol"] = protocol;
        all_up = all_up && b["reachable"].get<bool>();
        backends.push_back(std::move(b));
      }
    }
    double uptime =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - kStarted).count();
    co_return json_response({{"status", all_up ? "ok" : "degraded"},
                             {"uptime_seconds", uptime},
                             {"backends", backends}});
  });
  router.add_sync("GET", "/version", AdminRole::read, [](Request&) {
    return json_response({{"name", "sqlwarden"},
                          {"version", SQLWARDEN_VERSION},
                          {"boost", BOOST_LIB_VERSION},
                          {"openssl", OPENSSL_VERSION_TEXT}});
  });
}

}  // namespace sw::admin
