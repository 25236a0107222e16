#pragma once
// Which listener, user and limits a tool call gets, from the config
// snapshot and the caller's scope.
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "proxy/admin/tools/db_connection.hpp"
#include "proxy/admin/tools/tool_executor.hpp"
#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/config.hpp"

namespace sw::tools {

struct ResolvedTarget {
  ConnectTarget connect;
  std::string tenant;
  std::string profile;
  QueryLimits limits;
  std::string key;  // (tenant, engine, user, database, read-only): warm connections are per key
};

// The target, or a tool error (unknown tenant, no listener, no password).
std::variant<ResolvedTarget, nlohmann::json> resolve_target(const Config& config,
                                                            const ToolsConfig& tc,
                                                            const ToolScope& scope);

}  // namespace sw::tools
