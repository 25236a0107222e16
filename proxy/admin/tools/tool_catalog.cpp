#include "proxy/admin/tools/tool_catalog.hpp"

namespace sw::tools {
namespace {

struct ToolSpec {
  const char* name;
  const char* description;
  nlohmann::json parameters;
  nlohmann::json output;
};

nlohmann::json error_schema() {
  return {{"type", "object"},
          {"properties",
           {{"rule", {{"type", "string"}}},
            {"message", {{"type", "string"}}},
            {"sqlstate", {{"type", {"string", "null"}}}}}}};
}

std::vector<ToolSpec> specs() {
  nlohmann::json success = {{"type", "boolean"}};
  return {
      {"query_database",
       "Execute one SQL statement (SELECT, INSERT, UPDATE, DELETE, SHOW, DESCRIBE or EXPLAIN) "
       "on the database. Put values in `params` and reference them as ? (MySQL) or $1, $2 "
       "(PostgreSQL); they are bound server-side, never spliced into the SQL. Returns columns, "
       "rows (at most the configured row cap, then truncated is true), rows affected, the last "
       "insert id, the execution time and a query hash.",
       {{"type", "object"},
        {"properties",
         {{"query",
           {{"type", "string"},
            {"description", "exactly one SQL statement, at most 10,000 characters"}}},
          {"params",
           {{"type", "array"},
            {"description", "values for the statement's parameter markers, in order"},
            {"items", {{"type", {"string", "number", "integer", "boolean", "null"}}}}}}}},
        {"required", {"query"}}},
       {{"type", "object"},
        {"properties",
         {{"success", success},
          {"columns", {{"type", "array"}}},
          {"rows", {{"type", "array"}}},
          {"row_count", {{"type", "integer"}}},
          {"truncated", {{"type", "boolean"}}},
          {"rows_affected", {{"type", "integer"}}},
          {"last_insert_id", {{"type", {"integer", "null"}}}},
          {"execution_time_ms", {{"type", "number"}}},
          {"query_hash", {{"type", "string"}}},
          {"error", error_schema()}}},
        {"required", {"success"}}}},
      {"get_database_schema",
       "Get the database schema: every table and view with its columns (type, nullability, "
       "default), primary key, foreign keys, indexes and estimated row count. Pass `table` for "
       "one table only.",
       {{"type", "object"},
        {"properties",
         {{"table", {{"type", "string"}, {"description", "only this table or view"}}}}}},
       {{"type", "object"},
        {"properties",
         {{"success", success},
          {"tables", {{"type", "array"}}},
          {"table_count", {{"type", "integer"}}},
          {"error", error_schema()}}},
        {"required", {"success"}}}},
      {"test_database_connection",
       "Test database connectivity: reachability, server version, round-trip latency and "
       "connection pool statistics.",
       {{"type", "object"}, {"properties", nlohmann::json::object()}},
       {{"type", "object"},
        {"properties",
         {{"success", success},
          {"connected", {{"type", "boolean"}}},
          {"server_version", {{"type", "string"}}},
          {"round_trip_ms", {{"type", "number"}}},
          {"pool", {{"type", "object"}}},
          {"error", error_schema()}}},
        {"required", {"success"}}}},
  };
}

}  // namespace

nlohmann::json openai_tool_definitions() {
  nlohmann::json out = nlohmann::json::array();
  for (auto& s : specs())
    out.push_back(
        {{"type", "function"},
         {"function",
          {{"name", s.name}, {"description", s.description}, {"parameters", s.parameters}}}});
  return out;
}

nlohmann::json mcp_tool_definitions() {
  nlohmann::json out = nlohmann::json::array();
  for (auto& s : specs())
    out.push_back({{"name", s.name},
                   {"description", s.description},
                   {"inputSchema", s.parameters},
                   {"outputSchema", s.output}});
  return out;
}

bool is_known_tool(std::string_view name) {
  return name == "query_database" || name == "get_database_schema" ||
         name == "test_database_connection";
}

}  // namespace sw::tools
