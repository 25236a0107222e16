#pragma once
// query_database and test_database_connection over one DbConnection, and
// get_database_schema (schema_tool.cpp).
#include <nlohmann/json.hpp>

#include "policy/gate.hpp"
#include "proxy/admin/tools/db_connection.hpp"
#include "proxy/admin/tools/tool_target.hpp"

namespace sw::tools {

// `gate` labels a denial the proxy answered (its rule id) and gives the
// query hash; the decision itself is the listener's.
nlohmann::json run_query_tool(DbConnection& conn, const ResolvedTarget& target,
                              policy::StatementGate& gate, const nlohmann::json& args);

nlohmann::json run_schema_tool(DbConnection& conn, const ResolvedTarget& target,
                               const nlohmann::json& args);

// The result set as {"columns": [...], "rows": [{name: value}], "row_count"}.
nlohmann::json result_json(const ResultSet& rs);

// A DbError as a tool error; `rule` from the gate when the proxy denied it.
nlohmann::json db_error_json(const DbError& e, std::string_view denial_rule);

}  // namespace sw::tools
