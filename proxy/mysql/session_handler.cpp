#include "proxy/mysql/session_handler.hpp"

#include "proxy/net/passthrough.hpp"

namespace sw::mysql {

net::SessionHandler make_session_handler(ConfigPtr, const TenantConfig& tenant,
                                         const ListenerConfig& listener,
                                         std::shared_ptr<policy::StatementGate>) {
  // Walking skeleton: byte pass-through until the MySQL protocol session lands.
  return net::make_passthrough_handler(listener.backend, tenant.pool.connect_timeout);
}

}  // namespace sw::mysql
