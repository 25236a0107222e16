#pragma once
// What the shell prints: tool results as aligned tables (or JSON), gate
// denials and SQL errors worded as such.
#include <iosfwd>

#include <nlohmann/json.hpp>

namespace sw::shell {

// Returns the exit code the result deserves (0 ok, 1 denied or SQL error,
// 3 connection failure).
int print_query_result(const nlohmann::json& r, bool as_json, std::ostream& out, std::ostream& err);
int print_schema(const nlohmann::json& r, bool as_json, std::ostream& out, std::ostream& err);
int print_test(const nlohmann::json& r, bool as_json, std::ostream& out, std::ostream& err);
int exit_code_for(const nlohmann::json& r);
void print_error(const nlohmann::json& r, std::ostream& err);
int print_raw_or_error(const nlohmann::json& r, bool as_json, std::ostream& out, std::ostream& err);
// A value as a table cell: strings bare, null as NULL, others as JSON.
std::string cell_text(const nlohmann::json& v);
void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows, std::ostream& out);

}  // namespace sw::shell
