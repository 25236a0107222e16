#include "parsers/mysql_lexer.hpp"

#include "parsers/normalizer_loop.hpp"
#include "parsers/quoted_scan.hpp"

namespace sw::parsers {

namespace {

bool is_space(unsigned char c) noexcept {
  return char_class(c) & (kSpaceClass | kVtabClass);
}
bool is_control(unsigned char c) noexcept {
  return c < 0x20 || c == 0x7f;
}
bool is_ident_char(unsigned char c) noexcept {
  return char_class(c) & (kIdentStart | kDigitClass | kDollarClass);
}
bool all_of(std::string_view s, bool (*pred)(unsigned char)) noexcept {
  if (s.empty()) return false;
  for (char ch : s)
    if (!pred(static_cast<unsigned char>(ch))) return false;
  return true;
}
bool is_hex(unsigned char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_bin(unsigned char c) noexcept {
  return c == '0' || c == '1';
}
bool is_digit_pred(unsigned char c) noexcept {
  return is_digit(c);
}

}  // namespace

MysqlLexer::MysqlLexer(std::string_view sql, MysqlLexOptions options) noexcept
    : sql_(sql), options_(options) {
  if (sql_.size() >= 0xFFFFFFFFu) error_ = LexError::too_long;
}

// pos_ at "/*" of a comment that is not code; MySQL comments do not nest.
bool MysqlLexer::skip_plain_comment() noexcept {
  auto close = sql_.find("*/", pos_ + 2);
  if (close == std::string_view::npos) {
    pos_ = sql_.size();
    error_ = LexError::unterminated_comment;
    return false;
  }
  pos_ = close + 2;
  return true;
}

void MysqlLexer::skip_space_and_comments() noexcept {
  while (pos_ < sql_.size()) {
    auto c = static_cast<unsigned char>(sql_[pos_]);
    auto peek = [&](std::size_t k) -> unsigned char {
      return pos_ + k < sql_.size() ? static_cast<unsigned char>(sql_[pos_ + k]) : 0;
    };
    if (is_space(c)) {
      ++pos_;
    } else if (c == '#' ||
               (c == '-' && peek(1) == '-' &&
                (pos_ + 2 >= sql_.size() || is_space(peek(2)) || is_control(peek(2))))) {
      while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;
    } else if (c == '/' && peek(1) == '*' && peek(2) != '!' && peek(2) != '+' &&
               !(peek(2) == 'M' && peek(3) == '!')) {
      if (in_exec_) nested_comment_ = true;
      if (!skip_plain_comment()) return;
    } else {
      return;
    }
  }
}

bool MysqlLexer::scan_quoted(char quote, bool backslash_escapes) noexcept {
  bool closed = false;
  pos_ = scan_quoted_body(sql_, pos_, quote, backslash_escapes, closed);
  return closed;
}

// Identifiers may start with digits in MySQL ("1abc" is a name), so a run of
// identifier characters is a number only when all of it is one.
void MysqlLexer::scan_word_or_number(Token& out, bool after_dot) noexcept {
  std::size_t start = pos_;
  while (pos_ < sql_.size() && is_ident_char(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
  std::string_view w = sql_.substr(start, pos_ - start);
  out.kind = TokenKind::word;
  if (after_dot || !is_digit(static_cast<unsigned char>(w[0]))) return;
  auto peek = [&](std::size_t k) -> unsigned char {
    return pos_ + k < sql_.size() ? static_cast<unsigned char>(sql_[pos_ + k]) : 0;
  };
  if (all_of(w, is_digit_pred)) {
    out.kind = TokenKind::number;
    if (peek(0) == '.') {
      ++pos_;
      while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
      // 1.5e3, 1.e3, 1.5e+3
      if (peek(0) == 'e' || peek(0) == 'E') {
        std::size_t p = pos_ + 1;
        if (p < sql_.size() && (sql_[p] == '+' || sql_[p] == '-')) ++p;
        if (p < sql_.size() && is_digit(static_cast<unsigned char>(sql_[p]))) {
          pos_ = p;
          while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
        }
      }
    }
    return;
  }
  if (w.size() > 2 && w[0] == '0' && w[1] == 'x' && all_of(w.substr(2), is_hex)) {
    out.kind = TokenKind::number;
    return;
  }
  if (w.size() > 2 && w[0] == '0' && w[1] == 'b' && all_of(w.substr(2), is_bin)) {
    out.kind = TokenKind::number;
    return;
  }
  // 1e5 / 1e+5 / 1e-5
  std::size_t e = w.find_first_of("eE");
  if (e != std::string_view::npos && e > 0 && all_of(w.substr(0, e), is_digit_pred)) {
    std::string_view rest = w.substr(e + 1);
    if (!rest.empty() && all_of(rest, is_digit_pred)) {
      out.kind = TokenKind::number;
    } else if (rest.empty() && (peek(0) == '+' || peek(0) == '-') && is_digit(peek(1))) {
      ++pos_;
      while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
      out.kind = TokenKind::number;
    }
  }
}

bool MysqlLexer::next(Token& out) noexcept {
  if (error_ != LexError::none) return false;
  std::size_t before = pos_;
  skip_space_and_comments();
  if (error_ != LexError::none) return false;
  if (pos_ >= sql_.size()) {
    if (in_exec_) error_ = LexError::unterminated_comment;
    return false;
  }
  bool glued_to_dot = prev_dot_ && pos_ == before;
  prev_dot_ = false;
  std::size_t start = pos_;
  auto c = static_cast<unsigned char>(sql_[pos_]);
  auto peek = [&](std::size_t k) -> unsigned char {
    return pos_ + k < sql_.size() ? static_cast<unsigned char>(sql_[pos_ + k]) : 0;
  };
  out.begin = static_cast<std::uint32_t>(start);
  bool escapes = !options_.no_backslash_escapes;

  if (c == '/' && peek(1) == '*') {
    // Only executable comments and hints reach here.
    if (peek(2) == '+') {
      out.kind = TokenKind::hint;
      skip_plain_comment();
    } else {
      if (in_exec_) nested_comment_ = true;
      pos_ += (peek(2) == 'M') ? 4 : 3;
      std::size_t digits = pos_;
      while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
      out.kind = pos_ > digits ? TokenKind::version_begin : TokenKind::exec_begin;
      in_exec_ = true;
    }
  } else if (in_exec_ && c == '*' && peek(1) == '/') {
    pos_ += 2;
    out.kind = TokenKind::exec_end;
    in_exec_ = false;
  } else if (c == '\'' || (c == '"' && !options_.ansi_quotes)) {
    ++pos_;
    out.kind = TokenKind::string;
    if (!scan_quoted(static_cast<char>(c), escapes)) error_ = LexError::unterminated_string;
  } else if (c == '"' || c == '`') {
    ++pos_;
    out.kind = TokenKind::quoted_ident;
    if (!scan_quoted(static_cast<char>(c), false)) error_ = LexError::unterminated_identifier;
  } else if (is_ident_char(c) &&
             !((c == 'x' || c == 'X' || c == 'b' || c == 'B' || c == 'n' || c == 'N') &&
               peek(1) == '\'' && !glued_to_dot)) {
    scan_word_or_number(out, glued_to_dot);
  } else if ((c == 'x' || c == 'X' || c == 'b' || c == 'B' || c == 'n' || c == 'N') &&
             peek(1) == '\'' && !glued_to_dot) {
    // X'..' and B'..' hold no escapes; N'..' is an ordinary string.
    pos_ += 2;
    out.kind = TokenKind::string;
    bool esc = (c == 'n' || c == 'N') && escapes;
    if (!scan_quoted('\'', esc)) error_ = LexError::unterminated_string;
  } else if (c == '@') {
    if (peek(1) == '@') {
      pos_ += 2;
      out.kind = TokenKind::system_var;
      if (peek(0) == '`' || peek(0) == '"' || peek(0) == '\'') {
        char q = sql_[pos_];
        ++pos_;
        if (!scan_quoted(q, q != '`' && escapes)) error_ = LexError::unterminated_identifier;
      } else {
        while (pos_ < sql_.size() && is_ident_char(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
      }
    } else {
      ++pos_;
      out.kind = TokenKind::user_var;
      if (peek(0) == '`' || peek(0) == '"' || peek(0) == '\'') {
        char q = sql_[pos_];
        ++pos_;
        if (!scan_quoted(q, q != '`' && escapes)) error_ = LexError::unterminated_identifier;
      } else {
        while (pos_ < sql_.size() &&
               (is_ident_char(static_cast<unsigned char>(sql_[pos_])) || sql_[pos_] == '.'))
          ++pos_;
      }
    }
  } else if (c == '.' && is_digit(peek(1)) && !glued_to_dot &&
             !(start > 0 && (is_ident_char(static_cast<unsigned char>(sql_[start - 1])) ||
                             sql_[start - 1] == '`' || sql_[start - 1] == '"'))) {
    ++pos_;
    while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
    if (peek(0) == 'e' || peek(0) == 'E') {
      std::size_t p = pos_ + 1;
      if (p < sql_.size() && (sql_[p] == '+' || sql_[p] == '-')) ++p;
      if (p < sql_.size() && is_digit(static_cast<unsigned char>(sql_[p]))) {
        pos_ = p;
        while (pos_ < sql_.size() && is_digit(static_cast<unsigned char>(sql_[pos_]))) ++pos_;
      }
    }
    out.kind = TokenKind::number;
  } else if (c == ';') {
    ++pos_;
    out.kind = TokenKind::semicolon;
    if (in_exec_) semicolon_in_exec_ = true;
  } else if (c == '?') {
    ++pos_;
    out.kind = TokenKind::param;
  } else if (c == '(' || c == ')' || c == ',' || c == '.' || c == '{' || c == '}') {
    ++pos_;
    out.kind = TokenKind::punct;
    prev_dot_ = c == '.';
  } else {
    // Longest operator first.
    static constexpr std::string_view kOps3[] = {"<=>", "->>"};
    static constexpr std::string_view kOps2[] = {
        ":=", "<<", ">>", "<=", ">=", "<>", "!=", "&&", "||", "->"};
    std::string_view rest = sql_.substr(pos_);
    std::size_t len = 0;
    for (auto op : kOps3)
      if (rest.starts_with(op)) len = 3;
    if (len == 0)
      for (auto op : kOps2)
        if (rest.starts_with(op)) len = 2;
    if (len == 0) len = 1;
    pos_ += len;
    switch (c) {
      case '=':
      case '<':
      case '>':
      case '!':
      case '~':
      case '^':
      case '&':
      case '|':
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case ':':
        out.kind = TokenKind::op;
        break;
      default:
        out.kind = len > 1 ? TokenKind::op : TokenKind::other;
    }
  }
  out.end = static_cast<std::uint32_t>(pos_);
  return error_ == LexError::none;
}

namespace detail {
NormalizeResult normalize_mysql(std::string_view sql, MysqlLexOptions options, KeyBuffer& out) {
  MysqlLexer lexer(sql, options);
  return run(lexer, sql, out);
}
}  // namespace detail

}  // namespace sw::parsers
