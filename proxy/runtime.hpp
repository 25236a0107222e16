#pragma once
// The `run` subcommand: workers, the tenants' listeners, the admin server,
// signal handling (SIGHUP reloads, SIGINT/SIGTERM drain) and graceful drain.
#include <string>

#include "proxy/core/config.hpp"

namespace sw {

// Blocks until SIGINT/SIGTERM (or POST /api/v1/shutdown) and the drain that
// follows; returns the exit code. `config_path` is re-read on reload; empty
// when the config came from db_config.json or the environment (no reload).
int run_proxy(ConfigPtr config, std::string config_path);

}  // namespace sw
