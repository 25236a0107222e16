#pragma once
// Builds the statement gate for one worker from a config snapshot. Each
// worker gets its own gate (and so its own decision cache): sessions on a
// worker share it without locks; workers never share one.
#include <memory>

#include "policy/gate.hpp"
#include "proxy/core/config.hpp"

namespace sw::policy {

std::shared_ptr<StatementGate> make_worker_gate(const ConfigPtr& config);

}  // namespace sw::policy
