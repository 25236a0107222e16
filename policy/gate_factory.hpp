#pragma once
// Builds the statement gate for one worker from a config snapshot. Each
// worker gets its own gate (and so its own decision cache): sessions on a
// worker share it without locks; workers never share one. A new snapshot
// builds new gates, so cached decisions never outlive their config.
#include <memory>
#include <string_view>

#include "policy/gate.hpp"
#include "proxy/core/config.hpp"

namespace sw::policy {

std::shared_ptr<StatementGate> make_worker_gate(const ConfigPtr& config);

// The profile name sessions put into SessionContext::profile: the user's
// own profile, else the tenant's default_profile. Empty when neither is
// known (the gate then denies everything).
std::string_view session_profile(const Config& config, std::string_view user,
                                 std::string_view tenant);

}  // namespace sw::policy
