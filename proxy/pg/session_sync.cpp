#include "proxy/pg/session_sync.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sw::pg {

namespace {

std::string quote_literal(std::string_view v) {
  bool backslash = v.find('\\') != std::string_view::npos;
  std::string out = backslash ? "E'" : "'";
  for (char c : v) {
    if (c == '\'' || (backslash && c == '\\')) out.push_back(c);
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string quote_ident(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out.push_back(c);
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string fold_setting_name(std::string_view name) {
  return lower(name);
}

std::string replay_sql(const pool::SettingsDiff& diff) {
  std::string sql;
  if (!diff.set.empty()) {
    sql = "SELECT ";
    bool first = true;
    for (const auto& [name, value] : diff.set) {
      if (!first) sql += ", ";
      first = false;
      sql +=
          "pg_catalog.set_config(" + quote_literal(name) + ", " + quote_literal(value) + ", false)";
    }
    sql += ";";
  }
  for (const auto& name : diff.reset) sql += "RESET " + quote_ident(name) + ";";
  return sql;
}

std::string_view probe_sql() {
  // One row per session-level setting, one for SET ROLE, one per pooled
  // statement, and one ".pins" row whose bits are pool::Pin values.
  static constexpr std::string_view kSql =
      "SELECT pg_catalog.lower(name), setting FROM pg_catalog.pg_settings "
      "WHERE source = 'session' AND name <> 'role' "
      "UNION ALL SELECT 'role', pg_catalog.current_setting('role') "
      "WHERE pg_catalog.current_setting('role') <> 'none' "
      "UNION ALL SELECT '.stmt', name FROM pg_catalog.pg_prepared_statements "
      "WHERE NOT from_sql AND name LIKE 'sw\\_%' "
      "UNION ALL SELECT '.pins', ("
      "(EXISTS (SELECT 1 FROM pg_catalog.pg_class "
      "WHERE relnamespace = pg_catalog.pg_my_temp_schema()))::int * 1 + "
      "(EXISTS (SELECT 1 FROM pg_catalog.pg_locks WHERE locktype = 'advisory' "
      "AND pid = pg_catalog.pg_backend_pid()))::int * 2 + "
      "(EXISTS (SELECT 1 FROM pg_catalog.pg_cursors WHERE is_holdable))::int * 4 + "
      "(EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements WHERE from_sql))::int * 8 + "
      "(EXISTS (SELECT 1 FROM pg_catalog.pg_listening_channels()))::int * 16)::text";
  return kSql;
}

ProbeResult parse_probe(const std::vector<std::vector<std::optional<std::string>>>& rows) {
  ProbeResult r;
  for (const auto& row : rows) {
    if (row.size() != 2 || !row[0] || !row[1]) continue;
    const std::string& name = *row[0];
    const std::string& value = *row[1];
    if (name == ".pins") {
      std::uint32_t bits = 0;
      std::from_chars(value.data(), value.data() + value.size(), bits);
      r.pins = bits;
    } else if (name == ".stmt") {
      pool::StatementId id = 0;
      if (value.size() > 3 &&
          std::from_chars(value.data() + 3, value.data() + value.size(), id).ec == std::errc{})
        r.statements.insert(id);
    } else {
      r.settings[name] = value;
    }
  }
  return r;
}

bool may_change_session(std::string_view kind, std::string_view sql) {
  static constexpr std::string_view kPlain[] = {"select", "insert",  "update", "delete",
                                                "show",   "explain", "txn",    "copy"};
  const bool plain = std::find(std::begin(kPlain), std::end(kPlain), kind) != std::end(kPlain);
  if (!plain && kind != "notify") return true;
  std::string text = lower(sql);
  if (!plain) {
    // NOTIFY only queues a notification; LISTEN and UNLISTEN (the same
    // kind) change what the session listens to. Sparing NOTIFY the probe
    // matters: the probe is a server round trip of several milliseconds that
    // the sender would wait for before its ReadyForQuery.
    std::size_t start = text.find_first_not_of(" \t\r\n");
    bool notify =
        start != std::string::npos && text.compare(start, 6, "notify") == 0 &&
        (text.size() == start + 6 ||
         (!std::isalnum(static_cast<unsigned char>(text[start + 6])) && text[start + 6] != '_'));
    if (!notify) return true;
  }
  if (text.find("set_config") != std::string::npos || text.find("advisory") != std::string::npos)
    return true;
  // Several statements: the gate reports one kind for the request.
  auto semi = text.find(';');
  if (semi != std::string::npos && text.find_first_not_of(" \t\r\n;", semi) != std::string::npos)
    return true;
  return false;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_startup_options(
    std::string_view options) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> words;
  std::string cur;
  bool escape = false;
  for (char c : options) {
    if (escape) {
      cur.push_back(c);
      escape = false;
    } else if (c == '\\') {
      escape = true;
    } else if (c == ' ' || c == '\t') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view w = words[i];
    std::string_view setting;
    if (w == "-c" && i + 1 < words.size()) {
      setting = words[++i];
    } else if (w.rfind("-c", 0) == 0 && w.size() > 2) {
      setting = w.substr(2);
    } else if (w.rfind("--", 0) == 0 && w.size() > 2) {
      setting = w.substr(2);
    } else {
      return std::nullopt;
    }
    auto eq = setting.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    std::string name = lower(setting.substr(0, eq));
    std::replace(name.begin(), name.end(), '-', '_');
    out.emplace_back(std::move(name), std::string(setting.substr(eq + 1)));
  }
  return out;
}

}  // namespace sw::pg
