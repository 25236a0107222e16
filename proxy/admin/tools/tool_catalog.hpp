#pragma once
// The three tools' definitions: OpenAI function-calling shapes (seed 000's
// `{"action": "tools"}`) and MCP tool objects with input and output schemas.
#include <nlohmann/json.hpp>

namespace sw::tools {

nlohmann::json openai_tool_definitions();
nlohmann::json mcp_tool_definitions();
bool is_known_tool(std::string_view name);

}  // namespace sw::tools
