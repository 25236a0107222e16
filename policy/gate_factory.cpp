#include "policy/gate_factory.hpp"

#include "policy/policy_gate.hpp"
#include "policy/profile.hpp"

namespace sw::policy {

std::shared_ptr<StatementGate> make_worker_gate(const ConfigPtr& config) {
  std::vector<Profile> profiles;
  if (config) {
    auto compiled = compile_profiles(*config);
    // config-check rejects bad profiles before a snapshot is built; should
    // one slip through, keep only the built-ins (users of the broken
    // profile are then denied as "unknown_profile").
    if (compiled) profiles = std::move(compiled.value());
  }
  if (profiles.empty())
    for (auto name : kBuiltinProfiles) profiles.push_back(builtin_profile(name));
  return std::make_shared<PolicyGate>(std::move(profiles));
}

std::string_view session_profile(const Config& config, std::string_view user,
                                 std::string_view tenant) {
  return config.profile_for(config.find_user(user), config.find_tenant(tenant));
}

}  // namespace sw::policy
