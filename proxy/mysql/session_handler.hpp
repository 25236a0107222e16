#pragma once
// Entry point of the MySQL listener: what runs for each accepted client.
#include <memory>

#include "policy/gate.hpp"
#include "proxy/audit_hook/audit_port.hpp"
#include "proxy/core/config.hpp"
#include "proxy/net/listener.hpp"

namespace sw::mysql {

// One handler per worker and listener; `gate` is that worker's gate,
// `audit` its door into the audit trail (null: audit off).
net::SessionHandler make_session_handler(ConfigPtr config, const TenantConfig& tenant,
                                         const ListenerConfig& listener,
                                         std::shared_ptr<policy::StatementGate> gate,
                                         std::shared_ptr<audit_hook::AuditPort> audit = nullptr);

}  // namespace sw::mysql
