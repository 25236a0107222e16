#pragma once
// Tokens produced by both dialect lexers. A token is a byte range of the
// request; no copies are made while lexing.
#include <cstdint>
#include <string_view>

namespace sw::parsers {

enum class TokenKind : std::uint8_t {
  word,          // unquoted keyword or identifier
  quoted_ident,  // "…" / `…` / U&"…", raw text with its quotes
  string,        // any string literal (incl. E'', U&'', B'', X'', N'', $tag$…$tag$)
  number,
  param,          // $1 (PostgreSQL), ? (MySQL prepared statements)
  op,             // operator
  punct,          // one of ( ) , . [ ] { } :
  semicolon,      // statement separator
  user_var,       // MySQL @name, @'name', @`name`
  system_var,     // MySQL @@name
  exec_begin,     // MySQL /*! or /*M! without a version: the content is code
  version_begin,  // MySQL /*!NNNNN or /*M!NNNNN: code only on some server versions
  exec_end,       // the */ closing an executable comment
  hint,           // MySQL optimizer hint /*+ … */, kept whole
  junk,           // bytes the server rejects as one unit (e.g. PG "1abc")
  other,          // a single byte no rule above claims
};

struct Token {
  TokenKind kind = TokenKind::other;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::string_view text(std::string_view sql) const { return sql.substr(begin, end - begin); }
};

enum class LexError : std::uint8_t {
  none,
  unterminated_string,
  unterminated_identifier,
  unterminated_comment,
  too_long,  // over 4 GiB: token offsets are 32-bit
};

const char* lex_error_message(LexError e) noexcept;

inline bool is_ascii_alpha(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_digit(unsigned char c) noexcept {
  return c >= '0' && c <= '9';
}
inline unsigned char ascii_lower(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + 32) : c;
}

}  // namespace sw::parsers
