#include "proxy/admin/listen_routes.hpp"

#include "pool/channel_table.hpp"
#include "proxy/core/metrics.hpp"

namespace sw::admin {

void add_listen_routes(Router& router) {
  using nlohmann::json;
  router.add_sync("GET", "/api/v1/listen", AdminRole::read, [](Request& req) {
    json list = json::array();
    for (const auto& s : pool::ListenRegistry::instance().snapshot()) {
      if (!req.principal.may_access_tenant(s.key.tenant)) continue;
      list.push_back({{"pool", s.key.name()},
                      {"tenant", s.key.tenant},
                      {"backend", s.key.backend},
                      {"database", s.key.database},
                      {"user", s.key.user},
                      {"channels", s.channels},
                      {"subscribers", s.subscribers},
                      {"subscriptions", s.subscriptions},
                      {"received", s.received},
                      {"relayed", s.relayed},
                      {"dropped", s.dropped},
                      {"overflow_closes", s.overflow_closes},
                      {"reconnects", s.reconnects},
                      {"lost_window_ms", s.lost_window_ms},
                      {"connected", s.connected},
                      {"backend_pid", s.backend_pid},
                      {"backend_channels", s.backend_channels}});
    }
    return json_response({{"listen", list}});
  });
  metrics::Registry::global().add_collector([](metrics::Exposition& out) {
    for (const auto& s : pool::ListenRegistry::instance().snapshot()) {
      metrics::Labels l{{"pool", s.key.name()}, {"tenant", s.key.tenant}};
      out.gauge("sqlwarden_listen_channels", "Channels with LISTEN subscribers (pooled PostgreSQL)",
                l, static_cast<double>(s.channels));
      out.gauge("sqlwarden_listen_subscribers", "Clients listening through the pool", l,
                static_cast<double>(s.subscribers));
      out.counter("sqlwarden_listen_notifications_relayed_total",
                  "Notifications written to listening clients", l, static_cast<double>(s.relayed));
      out.counter("sqlwarden_listen_notifications_dropped_total",
                  "Notifications dropped because a client's queue overflowed", l,
                  static_cast<double>(s.dropped));
      out.counter("sqlwarden_listen_reconnects_total",
                  "Times the listening server connection was re-established", l,
                  static_cast<double>(s.reconnects));
    }
  });
}

}  // namespace sw::admin
