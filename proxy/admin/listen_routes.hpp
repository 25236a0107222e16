#pragma once
// GET /api/v1/listen: LISTEN/NOTIFY fan-out under pooling, per pool key —
// channels, subscribed clients, notifications received / relayed / dropped,
// reconnects of the listening connection, and what that connection's
// pg_listening_channels() answered after its last change. Also the
// sqlwarden_listen_* Prometheus metrics.
#include "proxy/admin/router.hpp"

namespace sw::admin {

void add_listen_routes(Router& router);

}  // namespace sw::admin
