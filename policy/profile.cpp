#include "policy/profile.hpp"

#include <fmt/format.h>

namespace sw::policy {

using parsers::StatementKind;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

void allow(Profile& p, std::initializer_list<StatementKind> kinds) {
  p.allowed_kinds.fill(false);
  for (auto k : kinds) p.allowed_kinds[static_cast<std::size_t>(k)] = true;
}

}  // namespace

bool Profile::function_denied(std::string_view name) const noexcept {
  for (const auto& d : denied_functions) {
    if (!d.empty() && d.back() == '*') {
      std::string_view prefix(d.data(), d.size() - 1);
      if (name.size() >= prefix.size() && parsers::iequals(name.substr(0, prefix.size()), prefix))
        return true;
    } else if (parsers::iequals(name, d)) {
      return true;
    }
  }
  return false;
}

const std::vector<std::string>& default_denied_functions() {
  static const std::vector<std::string> kList = {
      // file and directory access
      "pg_read_file",
      "pg_read_binary_file",
      "pg_ls_*",
      "pg_stat_file",
      "lo_*",
      "loread",
      "lowrite",
      "pg_file_*",
      "pg_logdir_ls",
      "load_file",
      // sleeping and CPU burning
      "pg_sleep*",
      "sleep",
      "benchmark",
      "master_pos_wait",
      "master_gtid_wait",
      "source_pos_wait",
      "wait_for_executed_gtid_set",
      "wait_until_sql_thread_after_gtids",
      // advisory and named locks
      "pg_advisory_*",
      "pg_try_advisory_*",
      "get_lock",
      "release_lock",
      "release_all_locks",
      "is_free_lock",
      "is_used_lock",
      // backend signalling and server control, WAL and replication control
      "pg_terminate_backend",
      "pg_cancel_backend",
      "pg_signal_backend",
      "pg_reload_conf",
      "pg_rotate_logfile*",
      "pg_switch_wal",
      "pg_switch_xlog",
      "pg_create_restore_point",
      "pg_start_backup",
      "pg_stop_backup",
      "pg_backup_start",
      "pg_backup_stop",
      "pg_wal_replay_*",
      "pg_xlog_replay_*",
      "pg_promote",
      "pg_create_physical_replication_slot",
      "pg_create_logical_replication_slot",
      "pg_drop_replication_slot",
      "pg_copy_*",
      "pg_replication_slot_advance",
      "pg_logical_slot_*",
      "pg_logical_emit_message",
      "pg_replication_origin_*",
      "pg_log_backend_memory_contexts",
      "pg_import_system_collations",
      // configuration changes and notification
      "set_config",
      "pg_notify",
      // remote SQL and SQL given as a string; whole-table/schema dumps
      "dblink*",
      "query_to_xml*",
      "table_to_xml*",
      "cursor_to_xml*",
      "schema_to_xml*",
      "database_to_xml*",
      "ts_stat",
      "ts_rewrite",
      // operating-system command UDFs
      "sys_exec",
      "sys_eval",
  };
  return kList;
}

const std::vector<TablePattern>& secret_catalogs() {
  static const std::vector<TablePattern> kList = {
      {"", "pg_authid"},        {"", "pg_shadow"},         {"", "pg_user_mapping"},
      {"", "pg_user_mappings"}, {"", "pg_hba_file_rules"}, {"mysql", "user"},
      {"mysql", "global_priv"}, {"mysql", "db"},
  };
  return kList;
}

TablePattern parse_table_pattern(std::string_view text) {
  auto dot = text.rfind('.');
  if (dot == std::string_view::npos) return {"", lower(text)};
  return {lower(text.substr(0, dot)), lower(text.substr(dot + 1))};
}

Profile builtin_profile(std::string_view name) {
  Profile p;
  p.name = std::string(name);
  if (name == "allow_all") {
    p.allow_everything = true;
    p.allowed_kinds.fill(true);
    return p;
  }
  p.max_length = 10000;
  p.max_statements = 1;
  allow(p, {StatementKind::select, StatementKind::insert, StatementKind::update,
            StatementKind::delete_, StatementKind::show, StatementKind::describe,
            StatementKind::explain});
  p.denied_functions = default_denied_functions();
  p.denied_tables = secret_catalogs();
  p.allow_writes = name != "read_only";
  return p;
}

Result<Profile> compile_profile(const ProfileConfig& c) {
  if (!is_builtin_profile(c.base))
    return Error{Errc::config, fmt::format("profile {}: unknown base \"{}\"", c.name, c.base)};
  Profile p = builtin_profile(c.base);
  p.name = c.name;
  p.allow_everything = false;
  if (c.allowed_kinds) {
    p.allowed_kinds.fill(false);
    for (const auto& k : *c.allowed_kinds) {
      StatementKind kind = parsers::statement_kind_from_name(k);
      if (kind == StatementKind::unknown)
        return Error{Errc::config, fmt::format("profile {}: unknown kind \"{}\"", c.name, k)};
      p.allowed_kinds[static_cast<std::size_t>(kind)] = true;
    }
  }
  if (c.denied_functions) {
    p.denied_functions.clear();
    for (const auto& f : *c.denied_functions) {
      if (f == "@default") {
        for (const auto& d : default_denied_functions()) p.denied_functions.push_back(d);
      } else {
        p.denied_functions.push_back(lower(f));
      }
    }
  }
  if (c.denied_tables) {
    p.denied_tables.clear();
    for (const auto& t : *c.denied_tables) {
      if (t == "@secrets") {
        for (const auto& s : secret_catalogs()) p.denied_tables.push_back(s);
      } else {
        p.denied_tables.push_back(parse_table_pattern(t));
      }
    }
  }
  if (c.allowed_tables) {
    p.allowed_tables.clear();
    for (const auto& t : *c.allowed_tables) p.allowed_tables.push_back(parse_table_pattern(t));
  }
  if (c.max_length) p.max_length = *c.max_length;
  if (c.max_statements) p.max_statements = *c.max_statements;
  if (c.allow_writes) p.allow_writes = *c.allow_writes;
  if (c.allow_cross_database) p.allow_cross_database = *c.allow_cross_database;
  if (c.local_infile) p.local_infile = *c.local_infile;
  if (c.base == "allow_all" && !c.allowed_kinds) p.allowed_kinds.fill(true);
  return p;
}

Result<std::vector<Profile>> compile_profiles(const Config& config) {
  std::vector<Profile> out;
  for (auto name : kBuiltinProfiles) out.push_back(builtin_profile(name));
  for (const auto& c : config.profiles) {
    if (is_allow_all_override(c)) {
      for (auto& p : out)
        if (p.name == "allow_all") p.local_infile = *c.local_infile;
      continue;
    }
    auto p = compile_profile(c);
    if (!p) return p.error();
    out.push_back(std::move(p.value()));
  }
  return out;
}

}  // namespace sw::policy
