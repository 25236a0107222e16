#include "tools/shell/output.hpp"

#include <algorithm>
#include <ostream>
#include <set>

#include <fmt/format.h>

#include "proxy/admin/tools/tool_executor.hpp"

namespace sw::shell {
namespace {

// Display width of UTF-8 text: count code points, not bytes.
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

// --json prints the tool's answer as it is; a failure prints its error.
int print_raw_or_error(const nlohmann::json& r, bool as_json, std::ostream& out,
                       std::ostream& err) {
  if (as_json)
    out << tools::dump_json(r) << '\n';
  else
    print_error(r, err);
  return exit_code_for(r);
}

std::string cell_text(const nlohmann::json& v) {
  if (v.is_null()) return "NULL";
  if (v.is_string()) return v.get<std::string>();
  return tools::dump_json(v);
}

void print_table(const std::vector<std::string>& headers,
                 const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> w(headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) w[i] = width(headers[i]);
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  auto rule = [&] {
    out << '+';
    for (auto x : w) out << std::string(x + 2, '-') << '+';
    out << '\n';
  };
  auto line = [&](const std::vector<std::string>& cells) {
    out << '|';
    for (std::size_t i = 0; i < w.size(); ++i) {
      const std::string& c = i < cells.size() ? cells[i] : std::string();
      out << ' ' << c << std::string(w[i] - width(c), ' ') << " |";
    }
    out << '\n';
  };
  rule();
  line(headers);
  rule();
  for (const auto& r : rows) line(r);
  rule();
}

int exit_code_for(const nlohmann::json& r) {
  if (r.value("success", false)) return 0;
  auto rule = r.value("error", nlohmann::json::object()).value("rule", "");
  return rule == "connection" || rule == "http_error" || rule == "unauthorized" ? 3 : 1;
}

void print_error(const nlohmann::json& r, std::ostream& err) {
  const auto e = r.value("error", nlohmann::json::object());
  std::string rule = e.value("rule", "error");
  std::string message = e.value("message", "unknown error");
  std::string state = e.contains("sqlstate") && e["sqlstate"].is_string()
                          ? " [SQLSTATE " + e["sqlstate"].get<std::string>() + "]"
                          : "";
  if (rule == "sql_error")
    err << "SQL error" << state << ": " << message << '\n';
  else if (rule == "timeout" || rule == "connection" || rule == "invalid_arguments" ||
           rule == "unknown_tool" || rule == "http_error" || rule == "unauthorized" ||
           rule.rfind("no_", 0) == 0)
    err << "error (" << rule << ")" << state << ": " << message << '\n';
  else  // a policy rule id: the gate said no
    err << "denied by sqlwarden (" << rule << ")" << state << ": " << message << '\n';
}

int print_query_result(const nlohmann::json& r, bool as_json, std::ostream& out,
                       std::ostream& err) {
  if (as_json || !r.value("success", false)) return print_raw_or_error(r, as_json, out, err);
  const auto& cols = r["columns"];
  if (!cols.empty()) {
    std::vector<std::string> headers;
    for (const auto& c : cols) headers.push_back(c.value("name", ""));
    // Rows are objects keyed like result_json does: repeated names get _2, _3.
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : r["rows"]) {
      std::vector<std::string> cells;
      std::set<std::string> seen;
      for (const auto& c : cols) {
        std::string key = c.value("name", "");
        for (int n = 2; !seen.insert(key).second; ++n)
          key = fmt::format("{}_{}", c.value("name", ""), n);
        cells.push_back(row.contains(key) ? cell_text(row[key]) : "");
      }
      rows.push_back(std::move(cells));
    }
    print_table(headers, rows, out);
    out << r.value("row_count", 0) << (r.value("row_count", 0) == 1 ? " row" : " rows");
    if (r.value("truncated", false)) out << " (truncated at the row cap)";
  } else {
    out << "OK, " << r.value("rows_affected", 0) << " row(s) affected";
    if (r.contains("last_insert_id") && !r["last_insert_id"].is_null())
      out << ", last insert id " << r["last_insert_id"].dump();
  }
  out << fmt::format(" in {:.2f} ms", r.value("execution_time_ms", 0.0)) << '\n';
  return 0;
}

int print_schema(const nlohmann::json& r, bool as_json, std::ostream& out, std::ostream& err) {
  if (as_json || !r.value("success", false)) return print_raw_or_error(r, as_json, out, err);
  for (const auto& t : r["tables"]) {
    out << t.value("type", "table") << ' ' << t.value("name", "") << " (~"
        << cell_text(t.value("row_estimate", nlohmann::json(0))) << " rows)\n";
    std::vector<std::vector<std::string>> rows;
    std::set<std::string> pk;
    for (const auto& c : t["primary_key"]) pk.insert(c.get<std::string>());
    for (const auto& c : t["columns"])
      rows.push_back({c.value("name", ""), c.value("type", ""),
                      c.value("nullable", true) ? "YES" : "NO",
                      cell_text(c.value("default", nlohmann::json())),
                      pk.count(c.value("name", "")) ? "PK" : ""});
    print_table({"column", "type", "null", "default", "key"}, rows, out);
    for (const auto& fk : t["foreign_keys"])
      out << "  foreign key " << fk.value("name", "") << ": " << fk["columns"].dump() << " -> "
          << fk["references"].value("table", "") << fk["references"]["columns"].dump() << '\n';
    for (const auto& ix : t["indexes"])
      out << "  index " << ix.value("name", "") << (ix.value("unique", false) ? " (unique)" : "")
          << (ix.contains("definition") ? ": " + ix.value("definition", "")
                                        : ": " + ix["columns"].dump())
          << '\n';
    out << '\n';
  }
  out << r.value("table_count", 0) << " tables and views\n";
  return 0;
}

int print_test(const nlohmann::json& r, bool as_json, std::ostream& out, std::ostream& err) {
  if (as_json || !r.value("success", false)) return print_raw_or_error(r, as_json, out, err);
  out << fmt::format("connected: {} {} (tenant {}, {}:{}, user {}, database {})\n",
                     r.value("engine", ""), r.value("server_version", ""), r.value("tenant", ""),
                     r.value("host", ""), r.value("port", 0), r.value("user", ""),
                     r.value("database", ""));
  out << fmt::format("round trip: {:.2f} ms\n", r.value("round_trip_ms", 0.0));
  if (r.contains("pool")) out << "pool: " << tools::dump_json(r["pool"]) << '\n';
  return 0;
}

}  // namespace sw::shell
