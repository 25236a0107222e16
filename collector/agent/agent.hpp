#pragma once
// The collector agent (seed 001) as one synchronous loop:
//   - heartbeat every heartbeat_interval with statistics (queries collected,
//     errors, uptime, …) and the highest command id it ran; run the commands
//     the answer holds (start, stop, collect, update_config), each id once;
//   - collect every collection_interval while started (and on `collect`):
//     read the source from its cursor, queue the result as batches in the
//     state file together with the new cursor;
//   - send queued batches oldest first; a failure backs off (1 s doubling to
//     60 s) and keeps them, so a backend outage loses and duplicates nothing;
//   - returns when `stop` becomes true (SIGTERM), after the step in progress.
// Secrets never reach the log: the config holds them as Secret.
#include <atomic>

#include "collector/agent/agent_config.hpp"

namespace sw::collector::agent {

// Returns the process exit code.
int run_agent(AgentConfig config, const std::atomic<bool>& stop);

// `sqlwarden collector …`: loads the config, installs SIGTERM/SIGINT
// handlers, runs the agent.
int collector_main(const std::string& config_path, const CommandLineOverrides& overrides);

}  // namespace sw::collector::agent
