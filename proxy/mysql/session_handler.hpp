#pragma once
// Entry point of the MySQL listener: what runs for each accepted client.
#include "proxy/core/config.hpp"
#include "proxy/net/listener.hpp"

namespace sw::mysql {

net::SessionHandler make_session_handler(const TenantConfig& tenant, const ListenerConfig& listener);

}  // namespace sw::mysql
