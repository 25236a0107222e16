#pragma once
// What every MySQL client session of one listener on one worker shares:
// the configuration snapshot, the tenant and listener it serves, that
// worker's statement gate, and the TLS contexts built from the listener's
// configuration.
#include <memory>
#include <string>

#include "policy/gate.hpp"
#include "proxy/audit_hook/audit_port.hpp"
#include "proxy/core/config.hpp"
#include "proxy/net/tls.hpp"

namespace sw::mysql {

struct ListenerContext {
  ConfigPtr config;
  const TenantConfig* tenant = nullptr;
  const ListenerConfig* listener = nullptr;
  std::shared_ptr<policy::StatementGate> gate;
  std::shared_ptr<audit_hook::AuditPort> audit;  // null: audit off
  std::shared_ptr<net::TlsContext> client_tls;   // null: TLS not offered to clients
  std::shared_ptr<net::TlsContext> server_tls;   // null: plain connections to the backend
};

}  // namespace sw::mysql
