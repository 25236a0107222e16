#include "policy/evaluate.hpp"

#include <fmt/format.h>

namespace sw::policy {

using parsers::Dialect;
using parsers::iequals;
using parsers::QualifiedName;
using parsers::Statement;
using parsers::StatementKind;

Verdict deny(const char* rule, std::string message, StatementKind kind) {
  Verdict v;
  v.allowed = false;
  v.kind = kind;
  v.rule = rule;
  v.message = std::move(message);
  return v;
}

bool exceeds_length(std::string_view sql, std::uint32_t max_chars) noexcept {
  if (max_chars == 0 || sql.size() <= max_chars) return false;
  std::size_t chars = 0;
  for (char c : sql)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
  return chars > max_chars;
}

namespace {

// The schema (PostgreSQL) or database (MySQL) a table name lives in, as far
// as the request tells.
std::string_view effective_schema(const QualifiedName& t, const RequestFacts& f) {
  if (!t.schema.empty()) return t.schema;
  if (f.dialect == Dialect::mysql) return f.database;
  return {};
}

bool matches(const TablePattern& p, const QualifiedName& t, const RequestFacts& f,
             bool unqualified_matches_any) {
  if (p.name != "*" && !iequals(p.name, t.name)) return false;
  if (p.schema.empty()) return true;
  std::string_view schema = effective_schema(t, f);
  if (schema.empty()) return unqualified_matches_any || iequals(p.schema, "public");
  return iequals(p.schema, schema);
}

std::string kind_label(const Statement& st) {
  std::string k = parsers::statement_kind_name(st.kind);
  if (st.kind == StatementKind::explain)
    return fmt::format("explain of {}", parsers::statement_kind_name(st.explained));
  if (!st.tag.empty()) return fmt::format("{} ({})", k, st.tag);
  return k;
}

Verdict check_statement(const Profile& p, const Statement& st, const RequestFacts& f) {
  const std::string& pn = p.name;
  if (st.unsupported)
    return deny(
        "unsupported",
        fmt::format("sqlwarden: {} is not supported under profile '{}'", st.unsupported_reason, pn),
        st.kind);
  if (st.kind == StatementKind::client)
    return deny("client_command",
                fmt::format("sqlwarden: DELIMITER is a client-side command and never reaches "
                            "the server; denied under profile '{}'",
                            pn),
                st.kind);
  bool executes = st.kind != StatementKind::explain || st.explain_executes;
  bool kind_ok = p.allows_kind(st.kind);
  if (st.kind == StatementKind::explain)
    kind_ok = kind_ok && st.explained != StatementKind::unknown && p.allows_kind(st.explained);
  if (!kind_ok)
    return deny("kind_not_allowed",
                fmt::format("sqlwarden: statement kind {} is not allowed by profile '{}'",
                            kind_label(st), pn),
                st.kind);
  if (st.select_into)
    return deny("select_into",
                fmt::format("sqlwarden: SELECT … INTO (a table, file or variable) is not "
                            "allowed by profile '{}'",
                            pn),
                st.kind);
  if (st.user_variable_assignment)
    return deny("user_variable_assignment",
                fmt::format("sqlwarden: assigning user variables (@v := …) is not allowed by "
                            "profile '{}'",
                            pn),
                st.kind);
  for (const auto& fn : st.functions)
    if (p.function_denied(fn.name))
      return deny("denied_function",
                  fmt::format("sqlwarden: function {} is not allowed by profile '{}'",
                              parsers::to_string(fn), pn),
                  st.kind);
  for (const auto& t : st.tables) {
    for (const auto& d : p.denied_tables)
      if (matches(d, t, f, true))
        return deny("denied_table",
                    fmt::format("sqlwarden: table {} is not allowed by profile '{}'",
                                parsers::to_string(t), pn),
                    st.kind);
    if (!p.allowed_tables.empty()) {
      bool ok = false;
      for (const auto& a : p.allowed_tables) ok = ok || matches(a, t, f, false);
      if (!ok)
        return deny("table_not_allowed",
                    fmt::format("sqlwarden: table {} is not in the allowed tables of profile '{}'",
                                parsers::to_string(t), pn),
                    st.kind);
    }
    if (!p.allow_cross_database) {
      std::string_view db =
          f.dialect == Dialect::mysql ? std::string_view(t.schema) : std::string_view(t.catalog);
      // MySQL's information_schema is the server's catalog as this user may
      // see it (filtered by the backend's grants), not another database:
      // clients and tools introspect through it.
      bool catalog = f.dialect == Dialect::mysql && iequals(db, "information_schema");
      if (!db.empty() && !catalog && !iequals(db, f.database))
        return deny("cross_database",
                    fmt::format("sqlwarden: table {} is in another database; profile '{}' "
                                "allows only the current one",
                                parsers::to_string(t), pn),
                    st.kind);
    }
  }
  if (!p.allow_cross_database && st.kind == StatementKind::use && !st.use_database.empty() &&
      !iequals(st.use_database, f.database))
    return deny("cross_database",
                fmt::format("sqlwarden: USE {}: profile '{}' allows only the current database {}",
                            st.use_database, pn, f.database),
                st.kind);
  if (!p.allow_writes && executes && st.writes)
    return deny("write_not_allowed",
                fmt::format("sqlwarden: statement can write ({}); profile '{}' is read-only",
                            kind_label(st), pn),
                st.kind);
  if (!p.allow_writes && executes && st.locking)
    return deny("locking_read",
                fmt::format("sqlwarden: locking reads (FOR UPDATE/SHARE) are not allowed by "
                            "read-only profile '{}'",
                            pn),
                st.kind);
  Verdict v;
  v.kind = st.kind;
  return v;
}

}  // namespace

Verdict evaluate(const Profile& p, const RequestFacts& f) {
  const parsers::Analysis& a = *f.analysis;
  StatementKind first = a.statements.empty() ? StatementKind::unknown : a.statements[0].kind;
  if (!p.local_infile)
    for (const auto& st : a.statements)
      if (st.local_infile)
        return deny("local_infile",
                    fmt::format("sqlwarden: LOAD DATA LOCAL INFILE is not enabled for profile '{}' "
                                "(local_infile)",
                                p.name),
                    st.kind);
  if (p.allow_everything) {
    Verdict v;
    v.kind = first;
    return v;
  }
  if (!f.lexed->ok())
    return deny("unparseable",
                fmt::format("sqlwarden: statement cannot be parsed ({}); denied under profile '{}'",
                            parsers::lex_error_message(f.lexed->error), p.name));
  if (!f.lexed->has_content)
    return deny("empty", fmt::format("sqlwarden: empty or comment-only request; denied under "
                                     "profile '{}'",
                                     p.name));
  if (!a.parsed)
    return deny("unparseable",
                fmt::format("sqlwarden: statement cannot be parsed ({}); denied under profile '{}'",
                            a.error, p.name));
  if (a.statements.empty())
    return deny("empty", fmt::format("sqlwarden: request holds no statement; denied under "
                                     "profile '{}'",
                                     p.name));
  if (a.versioned_comment)
    return deny("versioned_comment",
                fmt::format("sqlwarden: version-gated comments (/*!NNNNN … */, /*M!NNNNN … */) "
                            "are not allowed by profile '{}'",
                            p.name),
                first);
  std::uint32_t count =
      std::max<std::uint32_t>(f.lexed->statements, static_cast<std::uint32_t>(a.statements.size()));
  if (p.max_statements != 0 && count > p.max_statements)
    return deny("multiple_statements",
                fmt::format("sqlwarden: request holds {} statements; profile '{}' allows {}", count,
                            p.name, p.max_statements),
                first);
  Verdict last;
  for (const auto& st : a.statements) {
    Verdict v = check_statement(p, st, f);
    if (!v.allowed) return v;
  }
  last.kind = first;
  return last;
}

}  // namespace sw::policy
