#pragma once
// Seed 000's `POST /database` API, independent of HTTP: the admin route
// hands it the parsed body and the caller's scope and sends what `done`
// gets. `{"action": "tools"}` lists the tools in the OpenAI function shape;
// `{"action": "execute", "tool_call": {...}}` runs one call (arguments as an
// object or a JSON string, `id` echoed as `tool_call_id`), `"tool_calls":
// [...]` runs several in order; `{"action": "test"}` tests the connection.
#include <functional>

#include <nlohmann/json.hpp>

#include "proxy/admin/tools/tool_executor.hpp"

namespace sw::tools {

struct ApiReply {
  unsigned status = 200;
  nlohmann::json body;
};

using ApiDone = std::function<void(ApiReply)>;

// `done` runs exactly once, on the caller's thread for immediate answers
// (tools, bad requests) or on an executor thread after tool calls.
void handle_database_request(ToolExecutor& executor, ToolScope scope, const nlohmann::json& body,
                             ApiDone done);

// A tool call's `function.arguments`: an object, a JSON string holding an
// object, or absent/null/"" (= {}); anything else is a tool error.
std::variant<nlohmann::json, nlohmann::json> parse_arguments(const nlohmann::json& arguments);

}  // namespace sw::tools
