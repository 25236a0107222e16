#include "parsers/pg_lexer.hpp"

#include "parsers/normalizer_loop.hpp"
#include "parsers/quoted_scan.hpp"

namespace sw::parsers {

namespace {

bool is_space(unsigned char c) noexcept {
  // scan.l: space [ \t\n\r\f] (\v is not whitespace before PostgreSQL 16)
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool is_ident_start(unsigned char c) noexcept {
  return is_ascii_alpha(c) || c == '_' || c >= 0x80;
}
bool is_ident_cont(unsigned char c) noexcept {
  return is_ident_start(c) || is_digit(c) || c == '$';
}
bool is_op_char(unsigned char c) noexcept {
  switch (c) {
    case '~':
    case '!':
    case '@':
    case '#':
    case '^':
    case '&':
    case '|':
    case '`':
    case '?':
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '<':
    case '>':
    case '=':
      return true;
    default:
      return false;
  }
}

}  // namespace

PgLexer::PgLexer(std::string_view sql) noexcept : sql_(sql) {
  if (sql_.size() >= 0xFFFFFFFFu) error_ = LexError::too_long;
}

void PgLexer::skip_space_and_comments() noexcept {
  while (pos_ < sql_.size()) {
    auto c = static_cast<unsigned char>(sql_[pos_]);
    if (is_space(c)) {
      ++pos_;
    } else if (c == '-' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '-') {
      while (pos_ < sql_.size() && sql_[pos_] != '\n' && sql_[pos_] != '\r') ++pos_;
    } else if (c == '/' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '*') {
      // PostgreSQL comments nest.
      std::size_t depth = 1;
      pos_ += 2;
      while (pos_ < sql_.size() && depth > 0) {
        if (sql_[pos_] == '/' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '*') {
          ++depth;
          pos_ += 2;
        } else if (sql_[pos_] == '*' && pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '/') {
          --depth;
          pos_ += 2;
        } else {
          ++pos_;
        }
      }
      if (depth > 0) {
        error_ = LexError::unterminated_comment;
        return;
      }
    } else {
      return;
    }
  }
}

// pos_ is just after the opening quote. Doubled quotes escape; in E''
// strings a backslash escapes the next byte.
bool PgLexer::scan_quoted(char quote, bool backslash_escapes) noexcept {
  bool closed = false;
  pos_ = scan_quoted_body(sql_, pos_, quote, backslash_escapes, closed);
  return closed;
}

// After a closing quote: whitespace that holds a newline (and -- comments
// ending in a newline) followed by another quote continues the same string.
bool PgLexer::continue_string() noexcept {
  std::size_t p = pos_;
  bool newline = false;
  while (p < sql_.size()) {
    char c = sql_[p];
    if (c == '\n' || c == '\r') {
      newline = true;
      ++p;
    } else if (c == ' ' || c == '\t' || c == '\f') {
      ++p;
    } else if (newline && c == '-' && p + 1 < sql_.size() && sql_[p + 1] == '-') {
      while (p < sql_.size() && sql_[p] != '\n' && sql_[p] != '\r') ++p;
    } else {
      break;
    }
  }
  if (newline && p < sql_.size() && sql_[p] == '\'') {
    pos_ = p + 1;
    return true;
  }
  return false;
}

std::size_t PgLexer::dollar_tag_end(std::size_t from) const noexcept {
  // from points at '$'; returns the index just past the closing '$' of the
  // tag, or 0 when this is not a dollar-quote opener.
  std::size_t p = from + 1;
  if (p < sql_.size() && sql_[p] == '$') return p + 1;
  if (p >= sql_.size() || !is_ident_start(static_cast<unsigned char>(sql_[p]))) return 0;
  while (p < sql_.size()) {
    auto c = static_cast<unsigned char>(sql_[p]);
    if (c == '$') return p + 1;
    if (!(is_ident_start(c) || is_digit(c))) return 0;
    ++p;
  }
  return 0;
}

bool PgLexer::scan_dollar_quote(std::size_t tag_end) noexcept {
  std::string_view tag = sql_.substr(pos_, tag_end - pos_);
  auto close = sql_.find(tag, tag_end);
  if (close == std::string_view::npos) {
    pos_ = sql_.size();
    return false;
  }
  pos_ = close + tag.size();
  return true;
}

void PgLexer::scan_number(Token& out) noexcept {
  out.kind = TokenKind::number;
  while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
  // "1..10" is an integer followed by "..", not "1." and ".10".
  if (pos_ < sql_.size() && sql_[pos_] == '.' &&
      !(pos_ + 1 < sql_.size() && sql_[pos_ + 1] == '.')) {
    ++pos_;
    while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
  }
  if (pos_ < sql_.size() && (sql_[pos_] == 'e' || sql_[pos_] == 'E')) {
    std::size_t p = pos_ + 1;
    if (p < sql_.size() && (sql_[p] == '+' || sql_[p] == '-')) ++p;
    if (p < sql_.size() && is_digit(static_cast<unsigned char>(sql_[p]))) {
      pos_ = p;
      while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
    }
  }
  // PostgreSQL 15 rejects identifier characters glued to a number; keep the
  // whole run as one unit so "1abc" never looks like "1 abc".
  if (pos_ < sql_.size() && is_ident_cont(static_cast<unsigned char>(sql_[pos_]))) {
    out.kind = TokenKind::junk;
    while (pos_ < sql_.size() && is_ident_cont(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
  }
}

void PgLexer::scan_operator() noexcept {
  std::size_t start = pos_;
  while (pos_ < sql_.size() && is_op_char(static_cast<unsigned char>(sql_[pos_]))) {
    // A comment start ends the operator.
    if (pos_ > start && pos_ + 1 < sql_.size() &&
        ((sql_[pos_] == '-' && sql_[pos_ + 1] == '-') ||
         (sql_[pos_] == '/' && sql_[pos_ + 1] == '*')))
      break;
    ++pos_;
  }
}

bool PgLexer::next(Token& out) noexcept {
  if (error_ != LexError::none) return false;
  skip_space_and_comments();
  if (error_ != LexError::none || pos_ >= sql_.size()) return false;
  std::size_t start = pos_;
  auto c = static_cast<unsigned char>(sql_[pos_]);
  auto peek = [&](std::size_t k) -> unsigned char {
    return pos_ + k < sql_.size() ? static_cast<unsigned char>(sql_[pos_ + k]) : 0;
  };
  out.begin = static_cast<std::uint32_t>(start);

  auto finish_string = [&](bool escapes) {
    out.kind = TokenKind::string;
    bool closed = scan_quoted('\'', escapes);
    while (closed && continue_string()) closed = scan_quoted('\'', escapes);
    if (!closed) error_ = LexError::unterminated_string;
  };

  if (c == '\'') {
    ++pos_;
    finish_string(false);
  } else if ((c == 'e' || c == 'E') && peek(1) == '\'') {
    pos_ += 2;
    finish_string(true);
  } else if ((c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') &&
             peek(1) == '\'') {
    pos_ += 2;
    finish_string(false);
  } else if ((c == 'u' || c == 'U') && peek(1) == '&' && (peek(2) == '\'' || peek(2) == '"')) {
    bool ident = peek(2) == '"';
    pos_ += 3;
    if (ident) {
      out.kind = TokenKind::quoted_ident;
      if (!scan_quoted('"', false)) error_ = LexError::unterminated_identifier;
    } else {
      finish_string(false);
    }
  } else if (c == '"') {
    ++pos_;
    out.kind = TokenKind::quoted_ident;
    if (!scan_quoted('"', false)) error_ = LexError::unterminated_identifier;
  } else if (c == '$') {
    if (is_digit(peek(1))) {
      ++pos_;
      while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
      out.kind = TokenKind::param;
      if (pos_ < sql_.size() && is_ident_cont(static_cast<unsigned char>(sql_[pos_]))) {
        out.kind = TokenKind::junk;
        while (pos_ < sql_.size() && is_ident_cont(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
      }
    } else if (std::size_t tag_end = dollar_tag_end(pos_); tag_end != 0) {
      out.kind = TokenKind::string;
      if (!scan_dollar_quote(tag_end)) error_ = LexError::unterminated_string;
    } else {
      ++pos_;
      out.kind = TokenKind::other;
    }
  } else if (is_ident_start(c)) {
    while (pos_ < sql_.size() && is_ident_cont(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
    out.kind = TokenKind::word;
  } else if (is_digit(c) || (c == '.' && is_digit(peek(1)))) {
    scan_number(out);
  } else if (c == ';') {
    ++pos_;
    out.kind = TokenKind::semicolon;
  } else if (c == ':' && peek(1) == ':') {
    pos_ += 2;
    out.kind = TokenKind::op;
  } else if (c == ':' && peek(1) == '=') {
    pos_ += 2;
    out.kind = TokenKind::op;
  } else if (c == '=' && peek(1) == '>') {
    pos_ += 2;
    out.kind = TokenKind::op;
  } else if (c == '.' && peek(1) == '.') {
    pos_ += 2;
    out.kind = TokenKind::op;
  } else if (c == '(' || c == ')' || c == ',' || c == '.' || c == '[' || c == ']' || c == ':') {
    ++pos_;
    out.kind = TokenKind::punct;
  } else if (is_op_char(c)) {
    scan_operator();
    out.kind = TokenKind::op;
  } else {
    ++pos_;
    out.kind = TokenKind::other;
  }
  out.end = static_cast<std::uint32_t>(pos_);
  return error_ == LexError::none;
}

const char* lex_error_message(LexError e) noexcept {
  switch (e) {
    case LexError::none:
      return "";
    case LexError::unterminated_string:
      return "unterminated quoted string";
    case LexError::unterminated_identifier:
      return "unterminated quoted identifier";
    case LexError::unterminated_comment:
      return "unterminated /* comment";
    case LexError::too_long:
      return "statement too long";
  }
  return "lexer error";
}

namespace detail {
NormalizeResult normalize_postgres(std::string_view sql, KeyBuffer& out) {
  PgLexer lexer(sql);
  return run(lexer, sql, out);
}
}  // namespace detail

}  // namespace sw::parsers
