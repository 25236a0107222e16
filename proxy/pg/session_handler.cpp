#include "proxy/pg/session_handler.hpp"

#include "proxy/net/passthrough.hpp"

namespace sw::pg {

net::SessionHandler make_session_handler(ConfigPtr, const TenantConfig& tenant,
                                         const ListenerConfig& listener,
                                         std::shared_ptr<policy::StatementGate>) {
  // Walking skeleton: byte pass-through until the v3 protocol session lands.
  return net::make_passthrough_handler(listener.backend, tenant.pool.connect_timeout);
}

}  // namespace sw::pg
