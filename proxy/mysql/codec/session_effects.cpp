#include "proxy/mysql/codec/session_effects.hpp"

#include <algorithm>
#include <cctype>

#include "parsers/mysql_lexer.hpp"
#include "parsers/statement.hpp"

namespace sw::mysql {

namespace {

using parsers::iequals;
using parsers::Token;
using parsers::TokenKind;

bool ci_contains(std::string_view hay, std::string_view needle) noexcept {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::toupper(static_cast<unsigned char>(a)) == b;
  });
  return it != hay.end();
}

std::string_view first_word(std::string_view sql) noexcept {
  std::size_t i = 0;
  while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(')) ++i;
  std::size_t j = i;
  while (j < sql.size() && std::isalpha(static_cast<unsigned char>(sql[j]))) ++j;
  return sql.substr(i, j - i);
}

// Plain DML that mentions nothing session-related: the common case, decided
// without lexing.
bool obviously_stateless(std::string_view sql) noexcept {
  std::string_view w = first_word(sql);
  if (!(iequals(w, "SELECT") || iequals(w, "INSERT") || iequals(w, "UPDATE") ||
        iequals(w, "DELETE") || iequals(w, "REPLACE")))
    return false;
  if (sql.find_first_of("@;") != std::string_view::npos) return false;
  if (sql.find("/*") != std::string_view::npos) return false;  // executable comments
  for (std::string_view needle : {"LOCK", "LAST_INSERT_ID", "FOUND_ROWS", "TEMPORARY"})
    if (ci_contains(sql, needle)) return false;
  return true;
}

std::string unquote(std::string_view text) {
  if (text.size() >= 2 && (text.front() == '`' || text.front() == '"')) {
    char q = text.front();
    std::string out;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
      out += text[i];
      if (text[i] == q && text[i + 1] == q) ++i;
    }
    return out;
  }
  return std::string(text);
}

// One statement's tokens (no separators, executable-comment markers dropped).
class Statement {
 public:
  Statement(std::string_view sql, const std::vector<Token>& tokens) : sql_(sql), t_(tokens) {}

  std::size_t size() const noexcept { return t_.size(); }
  TokenKind kind(std::size_t i) const noexcept {
    return i < t_.size() ? t_[i].kind : TokenKind::other;
  }
  std::string_view text(std::size_t i) const noexcept {
    return i < t_.size() ? t_[i].text(sql_) : std::string_view();
  }
  bool word(std::size_t i, std::string_view w) const noexcept {
    return kind(i) == TokenKind::word && iequals(text(i), w);
  }
  std::string_view whole() const noexcept {
    if (t_.empty()) return {};
    return sql_.substr(t_.front().begin, t_.back().end - t_.front().begin);
  }

 private:
  std::string_view sql_;
  const std::vector<Token>& t_;
};

bool is_assign_op(const Statement& s, std::size_t i) {
  std::string_view t = s.text(i);
  return t == ":=" || (t == ":" && s.text(i + 1) == "=");
}

// `= 1` / `= ON` / `= TRUE` after a target at `at`: autocommit stays on.
bool turns_on(const Statement& s, std::size_t at) {
  if (s.text(at) != "=" && s.text(at) != ":=") return false;
  std::string_view v = s.text(at + 1);
  if (s.kind(at + 1) == TokenKind::string && v.size() >= 2) v = v.substr(1, v.size() - 2);
  return v == "1" || iequals(v, "ON") || iequals(v, "TRUE");
}

void analyze_set(const Statement& s, SessionEffects& out) {
  if (s.word(1, "TRANSACTION")) {
    out.hold_next = true;  // applies to the next transaction only
    return;
  }
  if (s.word(1, "PASSWORD")) return;
  if (s.word(1, "ROLE") || s.word(1, "DEFAULT") || s.word(1, "STATEMENT")) {
    out.pins |= static_cast<std::uint32_t>(SessionPin::other);
    return;
  }
  // Assignments separated by top-level commas; each target's scope decides.
  bool any_session = false;
  bool any_global = false;
  bool expect_target = true;
  int depth = 0;
  for (std::size_t i = 1; i < s.size(); ++i) {
    std::string_view t = s.text(i);
    if (s.kind(i) == TokenKind::punct && t == "(") ++depth;
    if (s.kind(i) == TokenKind::punct && t == ")") --depth;
    if (depth == 0 && s.kind(i) == TokenKind::punct && t == ",") {
      expect_target = true;
      continue;
    }
    if (!expect_target) continue;
    expect_target = false;
    if (s.kind(i) == TokenKind::user_var) {
      out.pins |= static_cast<std::uint32_t>(SessionPin::user_variable);
      continue;
    }
    if (s.kind(i) == TokenKind::system_var) {
      if (t.size() > 9 && iequals(t.substr(0, 9), "@@global.")) {
        any_global = true;
      } else {
        any_session = true;
        std::string_view name = t.substr(2);
        if (auto dot = name.find('.'); dot != std::string_view::npos) name = name.substr(dot + 1);
        if (iequals(name, "autocommit") && !turns_on(s, i + 1)) out.starts_transaction = true;
      }
      continue;
    }
    if (s.word(i, "GLOBAL")) {
      any_global = true;
      continue;
    }
    if (s.word(i, "SESSION") || s.word(i, "LOCAL")) ++i;
    any_session = true;
    if (s.word(i, "autocommit") && !turns_on(s, i + 1)) out.starts_transaction = true;
    if (s.word(i, "TRANSACTION")) out.hold_next = false;  // SET SESSION TRANSACTION: a setting
  }
  if (any_global && any_session) {
    out.pins |= static_cast<std::uint32_t>(SessionPin::other);
  } else if (any_session) {
    out.replayable_sets.emplace_back(s.whole());
  }
}

void analyze_statement(const Statement& s, SessionEffects& out) {
  if (s.size() == 0) return;
  std::size_t at = 0;
  while (s.kind(at) == TokenKind::punct && s.text(at) == "(") ++at;
  auto pin = [&](SessionPin p) { out.pins |= static_cast<std::uint32_t>(p); };
  if (s.word(at, "SET")) {
    analyze_set(s, out);
    return;
  }
  if (s.word(at, "USE") && s.size() > at + 1) {
    out.use_database = unquote(s.text(at + 1));
    return;
  }
  if (s.word(at, "BEGIN") || (s.word(at, "START") && s.word(at + 1, "TRANSACTION"))) {
    out.starts_transaction = true;
    return;
  }
  if (s.word(at, "CREATE")) {
    for (std::size_t i = at + 1; i < s.size() && i < at + 4; ++i)
      if (s.word(i, "TEMPORARY")) pin(SessionPin::temp_table);
  }
  if (s.word(at, "LOCK")) pin(SessionPin::table_lock);
  if (s.word(at, "UNLOCK")) out.unlock_tables = true;
  if (s.word(at, "FLUSH"))
    for (std::size_t i = at + 1; i + 2 < s.size(); ++i)
      if (s.word(i, "WITH") && s.word(i + 1, "READ") && s.word(i + 2, "LOCK"))
        pin(SessionPin::table_lock);
  if (s.word(at, "PREPARE") || s.word(at, "EXECUTE") || s.word(at, "DEALLOCATE") ||
      (s.word(at, "DROP") && s.word(at + 1, "PREPARE")))
    pin(SessionPin::sql_prepare);
  if (s.word(at, "HANDLER") || s.word(at, "XA") || s.word(at, "CALL")) pin(SessionPin::other);
  for (std::size_t i = at; i < s.size(); ++i) {
    TokenKind k = s.kind(i);
    if (k == TokenKind::user_var) {
      if (is_assign_op(s, i + 1) || s.word(i - 1, "INTO") ||
          (i > 0 && s.kind(i - 1) == TokenKind::punct && s.text(i - 1) == ","))
        pin(SessionPin::user_variable);
      continue;
    }
    if (k != TokenKind::word) continue;
    if (s.word(i, "SQL_CALC_FOUND_ROWS")) {
      out.hold_next = true;
      continue;
    }
    if (!(s.kind(i + 1) == TokenKind::punct && s.text(i + 1) == "(")) continue;
    std::string_view fn = s.text(i);
    if (iequals(fn, "GET_LOCK")) pin(SessionPin::advisory_lock);
    if (iequals(fn, "LAST_INSERT_ID")) {
      if (s.text(i + 2) == ")")
        out.reads_last_insert_id = true;
      else
        pin(SessionPin::other);  // LAST_INSERT_ID(expr) sets it
    }
  }
}

}  // namespace

SessionEffects session_effects(std::string_view sql, bool no_backslash_escapes, bool ansi_quotes) {
  SessionEffects out;
  if (obviously_stateless(sql)) return out;
  parsers::MysqlLexer lexer(sql, {no_backslash_escapes, ansi_quotes});
  std::vector<Token> tokens;
  Token t;
  auto flush = [&] {
    analyze_statement(Statement(sql, tokens), out);
    tokens.clear();
  };
  while (lexer.next(t)) {
    if (t.kind == TokenKind::semicolon) {
      flush();
      continue;
    }
    if (t.kind == TokenKind::exec_begin || t.kind == TokenKind::exec_end ||
        t.kind == TokenKind::version_begin)
      continue;  // the content is code: read it as such
    tokens.push_back(t);
  }
  flush();
  // The server would reject what the lexer could not read; if it does not,
  // the proxy cannot know what happened: keep the connection.
  if (lexer.error() != parsers::LexError::none)
    out.pins |= static_cast<std::uint32_t>(SessionPin::other);
  return out;
}

std::string describe_pins(std::uint32_t pins) {
  static constexpr std::pair<SessionPin, const char*> names[] = {
      {SessionPin::temp_table, "temporary tables"},
      {SessionPin::advisory_lock, "GET_LOCK"},
      {SessionPin::hold_cursor, "an open cursor"},
      {SessionPin::sql_prepare, "SQL PREPARE"},
      {SessionPin::table_lock, "LOCK TABLES"},
      {SessionPin::user_variable, "user variables"},
      {SessionPin::other, "session state the pool cannot replay"},
  };
  std::string out;
  for (auto [bit, name] : names) {
    if (!(pins & static_cast<std::uint32_t>(bit))) continue;
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace sw::mysql
