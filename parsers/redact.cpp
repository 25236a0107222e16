#include "parsers/redact.hpp"

#include <vector>

#include "parsers/pg_lexer.hpp"
#include "parsers/token.hpp"

namespace sw::parsers {

namespace {

bool icontains(std::string_view hay, std::string_view needle) noexcept {
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && ascii_lower(static_cast<unsigned char>(hay[i + j])) == needle[j])
      ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

// A word that means "the literals next to me may be a credential or a key".
bool credential_word(std::string_view word) noexcept {
  static constexpr std::string_view kMarks[] = {"password", "passwd", "identified", "secret",
                                                "crypt",    "pgp_",   "hmac",       "auth_key"};
  for (auto m : kMarks)
    if (icontains(word, m)) return true;
  return false;
}

// A string literal holding a libpq/ODBC-style connection string with a password.
bool connection_string_secret(std::string_view literal) noexcept {
  return icontains(literal, "password") || icontains(literal, "pwd=") ||
         icontains(literal, "passwd");
}

// Whether any credential mark occurs anywhere in `sql`, literals and
// comments included: without one, `secrets` mode has nothing to mask and
// the text is kept as sent without lexing it (the audit hot path).
bool may_hold_secret(std::string_view sql) noexcept {
  static constexpr std::string_view kMarks[] = {
      "password", "passwd", "identified", "secret", "crypt", "pgp_", "hmac", "auth_key", "pwd="};
  for (std::size_t i = 0; i < sql.size(); ++i) {
    char c = static_cast<char>(ascii_lower(static_cast<unsigned char>(sql[i])));
    if (c != 'p' && c != 'i' && c != 's' && c != 'c' && c != 'h' && c != 'a') continue;
    for (auto m : kMarks)
      if (m.front() == c && icontains(sql.substr(i, m.size()), m)) return true;
  }
  return false;
}

bool is_literal(TokenKind k) noexcept {
  return k == TokenKind::string || k == TokenKind::number;
}

bool only_space(std::string_view s) noexcept {
  for (char c : s)
    if (!(char_class(static_cast<unsigned char>(c)) & (kSpaceClass | kVtabClass))) return false;
  return true;
}

class Redactor {
 public:
  Redactor(Dialect dialect, std::string_view sql, RedactMode mode)
      : dialect_(dialect), sql_(sql), mode_(mode) {
    out_.text.reserve(sql.size());
  }

  void token(const Token& t) {
    statement_.push_back(t);
    if (t.kind == TokenKind::semicolon) flush_statement();
  }

  Redacted finish(bool lex_failed) {
    flush_statement();
    std::string_view rest = sql_.substr(emitted_);
    if (lex_failed) {
      if (!only_space(rest)) out_.text.append(" ?");
    } else if (!last_secret_ || only_space(rest)) {
      out_.text.append(rest);
    }
    return std::move(out_);
  }

 private:
  void flush_statement() {
    if (statement_.empty()) return;
    bool secret = false;
    for (const Token& t : statement_)
      if (t.kind == TokenKind::word || t.kind == TokenKind::quoted_ident ||
          t.kind == TokenKind::system_var)
        secret = secret || credential_word(t.text(sql_));
    out_.had_secret = out_.had_secret || secret;
    for (const Token& t : statement_) {
      std::string_view gap = sql_.substr(emitted_, t.begin - emitted_);
      // Comments inside a credential statement may repeat the secret.
      if (secret && !only_space(gap))
        out_.text.push_back(' ');
      else
        out_.text.append(gap);
      out_.text.append(masked(t, secret) ? std::string_view("?") : t.text(sql_));
      emitted_ = t.end;
    }
    last_secret_ = secret;
    statement_.clear();
  }

  bool masked(const Token& t, bool secret_statement) const noexcept {
    std::string_view text = t.text(sql_);
    if (is_literal(t.kind) && (secret_statement || mode_ == RedactMode::literals)) return true;
    if (t.kind == TokenKind::string && connection_string_secret(text)) return true;
    // MySQL: "…" is a string unless ANSI_QUOTES, which the session may have
    // turned on behind our back; in a credential statement mask it anyway.
    if (secret_statement && dialect_ == Dialect::mysql && t.kind == TokenKind::quoted_ident &&
        !text.empty() && text.front() == '"')
      return true;
    return false;
  }

  Dialect dialect_;
  std::string_view sql_;
  RedactMode mode_;
  Redacted out_;
  std::vector<Token> statement_;
  std::size_t emitted_ = 0;
  bool last_secret_ = false;
};

template <class Lexer>
Redacted run(Lexer& lexer, Dialect dialect, std::string_view sql, RedactMode mode) {
  Redactor r(dialect, sql, mode);
  Token t;
  while (lexer.next(t)) r.token(t);
  return r.finish(lexer.error() != LexError::none);
}

}  // namespace

Redacted redact_sql(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql,
                    RedactMode mode) {
  if (mode == RedactMode::secrets && !may_hold_secret(sql)) return {std::string(sql), false};
  if (dialect == Dialect::postgres) {
    PgLexer lexer(sql);
    return run(lexer, dialect, sql, mode);
  }
  MysqlLexer lexer(sql, mysql_options);
  return run(lexer, dialect, sql, mode);
}

}  // namespace sw::parsers
