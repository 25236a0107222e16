#pragma once
// Result cells as JSON with faithful types: integers and floats as numbers
// (integers beyond ±2^53 as strings, where JSON readers would round them),
// booleans, NULL as null, decimals and dates as strings, binary as base64.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "proxy/admin/tools/db_connection.hpp"

namespace sw::tools {

nlohmann::json cell_to_json(ValueKind kind, const Cell& cell);
std::string base64_encode(std::string_view bytes);

}  // namespace sw::tools
