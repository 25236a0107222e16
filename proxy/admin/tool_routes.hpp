#pragma once
// The AI tools on the admin server: seed 000's `POST /database` and the MCP
// endpoint `/mcp`. Both run through proxy/admin/tools (the executor is a
// client of sqlwarden's own listeners), with the caller's token deciding
// the tenant scope; tool calls answer from the executor's threads.
#include "proxy/admin/router.hpp"
#include "proxy/admin/tools/mcp_server.hpp"
#include "proxy/admin/tools/tool_executor.hpp"

namespace sw::admin {

void add_tool_routes(Router& router, tools::ToolExecutor& executor, tools::McpServer& mcp);

}  // namespace sw::admin
