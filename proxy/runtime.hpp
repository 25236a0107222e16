#pragma once
// The `run` subcommand: workers, the tenants' listeners, the admin server,
// signal handling (SIGHUP reloads, SIGINT/SIGTERM drain) and graceful drain.
#include <string>

#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/config.hpp"

namespace sw {

// Blocks until SIGINT/SIGTERM (or POST /api/v1/shutdown) and the drain that
// follows; returns the exit code. `tools` is the file's [tools] table (the
// defaults without a file). `config_path` is re-read on reload; empty when
// the config came from db_config.json or the environment (no reload).
int run_proxy(ConfigPtr config, tools::ToolsConfig tools, std::string config_path);

}  // namespace sw
