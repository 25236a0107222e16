#pragma once
// The `run` subcommand: workers, one listener per tenant protocol per
// worker, signal handling and graceful drain.
#include "proxy/core/config.hpp"

namespace sw {

// Blocks until SIGINT/SIGTERM and the drain that follows; returns the exit code.
int run_proxy(ConfigPtr config);

}  // namespace sw
