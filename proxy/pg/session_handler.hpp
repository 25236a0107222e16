#pragma once
// Entry point of the PostgreSQL listener: what runs for each accepted client.
#include <memory>

#include "policy/gate.hpp"
#include "proxy/core/config.hpp"
#include "proxy/net/listener.hpp"

namespace sw::pg {

// One handler per worker and listener; `gate` is that worker's gate.
net::SessionHandler make_session_handler(ConfigPtr config, const TenantConfig& tenant,
                                         const ListenerConfig& listener,
                                         std::shared_ptr<policy::StatementGate> gate);

}  // namespace sw::pg
