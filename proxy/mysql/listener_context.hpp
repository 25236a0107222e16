#pragma once
// What every MySQL client session of one listener on one worker shares:
// the configuration snapshot, the tenant and listener it serves, and that
// worker's statement gate.
#include <memory>

#include "policy/gate.hpp"
#include "proxy/core/config.hpp"

namespace sw::mysql {

struct ListenerContext {
  ConfigPtr config;
  const TenantConfig* tenant = nullptr;
  const ListenerConfig* listener = nullptr;
  std::shared_ptr<policy::StatementGate> gate;
};

}  // namespace sw::mysql
