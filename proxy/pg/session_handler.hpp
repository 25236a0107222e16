#pragma once
// Entry point of the PostgreSQL listener: what runs for each accepted client.
#include "proxy/core/config.hpp"
#include "proxy/net/listener.hpp"

namespace sw::pg {

net::SessionHandler make_session_handler(const TenantConfig& tenant, const ListenerConfig& listener);

}  // namespace sw::pg
