// get_database_schema: four catalog queries per engine, each answering the
// same column list, assembled here into tables with columns, keys, indexes
// and row estimates. They run through the listener like any tool query.
#include <map>
#include <string>
#include <utility>

#include "proxy/admin/tools/json_cells.hpp"
#include "proxy/admin/tools/query_tool.hpp"
#include "proxy/admin/tools/tool_executor.hpp"

namespace sw::tools {
namespace {

struct CatalogQueries {
  const char* tables;   // schema, name, type, row_estimate
  const char* columns;  // schema, table, name, type, nullable, default
  const char* keys;     // schema, table, name, kind (p|f), columns, ref_table, ref_columns
  const char* indexes;  // schema, table, name, unique, definition
};

// $1 is the optional table name (NULL = every table).
const CatalogQueries kPostgres = {
    "SELECT n.nspname, c.relname, CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN "
    "'materialized view' ELSE 'table' END, GREATEST(c.reltuples, 0)::bigint "
    "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', "
    "'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND ($1::text IS NULL OR c.relname = "
    "$1::text) ORDER BY 1, 2",
    "SELECT n.nspname, c.relname, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), "
    "NOT a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid) "
    "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm') AND "
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' AND "
    "($1::text IS NULL OR c.relname = $1::text) ORDER BY 1, 2, a.attnum",
    "SELECT n.nspname, cl.relname, con.conname, con.contype::text, "
    "(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY "
    "k(num, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = "
    "k.num), rc.relname, "
    "(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY "
    "k(num, ord) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = "
    "k.num) "
    "FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid "
    "JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace "
    "LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid "
    "WHERE con.contype IN ('p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_%' AND ($1::text IS NULL OR cl.relname = $1::text) "
    "ORDER BY 1, 2, 3",
    "SELECT schemaname, tablename, indexname, indexdef LIKE 'CREATE UNIQUE%', indexdef "
    "FROM pg_catalog.pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
    "AND schemaname NOT LIKE 'pg\\_%' AND ($1::text IS NULL OR tablename = $1::text) "
    "ORDER BY 1, 2, 3",
};

// ? and ? are the optional table name twice.
const CatalogQueries kMysql = {
    "SELECT TABLE_SCHEMA, TABLE_NAME, IF(TABLE_TYPE = 'VIEW', 'view', 'table'), "
    "CAST(COALESCE(TABLE_ROWS, 0) AS SIGNED) FROM information_schema.TABLES "
    "WHERE TABLE_SCHEMA = DATABASE() AND (? IS NULL OR TABLE_NAME = ?) ORDER BY 1, 2",
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES', "
    "COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
    "(? IS NULL OR TABLE_NAME = ?) ORDER BY 1, 2, ORDINAL_POSITION",
    "SELECT TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, IF(CONSTRAINT_NAME = 'PRIMARY', 'p', 'f'), "
    "GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION), MAX(REFERENCED_TABLE_NAME), "
    "GROUP_CONCAT(REFERENCED_COLUMN_NAME ORDER BY ORDINAL_POSITION) "
    "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND "
    "(CONSTRAINT_NAME = 'PRIMARY' OR REFERENCED_TABLE_NAME IS NOT NULL) AND "
    "(? IS NULL OR TABLE_NAME = ?) GROUP BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME "
    "ORDER BY 1, 2, 3",
    "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, MIN(NON_UNIQUE) = 0, "
    "GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS "
    "WHERE TABLE_SCHEMA = DATABASE() AND (? IS NULL OR TABLE_NAME = ?) "
    "GROUP BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME ORDER BY 1, 2, 3",
};

std::string text(const Cell& c) {
  return c ? *c : std::string();
}
bool truth(const Cell& c) {
  return c && (*c == "t" || *c == "1" || *c == "true");
}

nlohmann::json split_csv(const Cell& c) {
  nlohmann::json out = nlohmann::json::array();
  if (!c) return out;
  std::size_t start = 0;
  for (;;) {
    std::size_t comma = c->find(',', start);
    out.push_back(c->substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

nlohmann::json run_schema_tool(DbConnection& conn, const ResolvedTarget& target,
                               const nlohmann::json& args) {
  nlohmann::json table = nullptr;
  if (args.is_object() && args.contains("table") && !args["table"].is_null()) {
    if (!args["table"].is_string())
      return tool_error("invalid_arguments", "\"table\" must be a string");
    table = args["table"];
  }
  bool pg = target.connect.engine == Protocol::postgres;
  const CatalogQueries& q = pg ? kPostgres : kMysql;
  nlohmann::json params =
      pg ? nlohmann::json::array({table}) : nlohmann::json::array({table, table});

  ResultSet parts[4];
  const char* sql[4] = {q.tables, q.columns, q.keys, q.indexes};
  for (int i = 0; i < 4; ++i) {
    Outcome out = conn.run(sql[i], params, {target.limits.timeout, 1000000});
    if (auto* e = std::get_if<DbError>(&out)) return db_error_json(*e, "");
    parts[i] = std::move(std::get<ResultSet>(out));
  }

  // Tables keyed by (schema, name), in catalog order.
  std::map<std::pair<std::string, std::string>, nlohmann::json> tables;
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& r : parts[0].rows) {
    auto key = std::make_pair(text(r[0]), text(r[1]));
    nlohmann::json t = {{"name", key.second},
                        {"schema", key.first},
                        {"type", text(r[2])},
                        {"row_estimate", cell_to_json(ValueKind::integer, r[3])},
                        {"columns", nlohmann::json::array()},
                        {"primary_key", nlohmann::json::array()},
                        {"foreign_keys", nlohmann::json::array()},
                        {"indexes", nlohmann::json::array()}};
    tables.emplace(key, std::move(t));
    order.push_back(key);
  }
  auto find = [&](const std::vector<Cell>& r) -> nlohmann::json* {
    auto it = tables.find({text(r[0]), text(r[1])});
    return it == tables.end() ? nullptr : &it->second;
  };
  for (const auto& r : parts[1].rows)
    if (auto* t = find(r))
      (*t)["columns"].push_back({{"name", text(r[2])},
                                 {"type", text(r[3])},
                                 {"nullable", truth(r[4])},
                                 {"default", r[5] ? nlohmann::json(*r[5]) : nullptr}});
  for (const auto& r : parts[2].rows) {
    auto* t = find(r);
    if (!t) continue;
    if (text(r[3]) == "p") {
      (*t)["primary_key"] = split_csv(r[4]);
    } else {
      (*t)["foreign_keys"].push_back(
          {{"name", text(r[2])},
           {"columns", split_csv(r[4])},
           {"references", {{"table", text(r[5])}, {"columns", split_csv(r[6])}}}});
    }
  }
  for (const auto& r : parts[3].rows)
    if (auto* t = find(r)) {
      nlohmann::json index = {{"name", text(r[2])}, {"unique", truth(r[3])}};
      if (pg)
        index["definition"] = text(r[4]);
      else
        index["columns"] = split_csv(r[4]);
      (*t)["indexes"].push_back(std::move(index));
    }

  nlohmann::json list = nlohmann::json::array();
  for (const auto& key : order) list.push_back(std::move(tables[key]));
  if (!table.is_null() && list.empty())
    return tool_error("not_found", "no table or view named \"" + table.get<std::string>() + "\"");
  return {{"success", true},
          {"engine", protocol_name(target.connect.engine)},
          {"tenant", target.tenant},
          {"database", target.connect.database},
          {"table_count", list.size()},
          {"tables", std::move(list)}};
}

}  // namespace sw::tools
