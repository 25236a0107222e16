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

// Character classes for the lexers' hot loops (one table lookup per byte).
enum CharClass : std::uint8_t {
  kSpaceClass = 1,    // ' ' \t \n \r \f (PostgreSQL 15 whitespace)
  kVtabClass = 2,     // \v (whitespace for MySQL only)
  kIdentStart = 4,    // A-Z a-z _ and bytes >= 0x80
  kDigitClass = 8,    // 0-9
  kDollarClass = 16,  // $
};
struct CharTable {
  std::uint8_t c[256] = {};
  constexpr CharTable() {
    c[static_cast<unsigned char>(' ')] = kSpaceClass;
    c[static_cast<unsigned char>('\t')] = kSpaceClass;
    c[static_cast<unsigned char>('\n')] = kSpaceClass;
    c[static_cast<unsigned char>('\r')] = kSpaceClass;
    c[static_cast<unsigned char>('\f')] = kSpaceClass;
    c[static_cast<unsigned char>('\v')] = kVtabClass;
    for (int i = 'a'; i <= 'z'; ++i) c[i] = kIdentStart;
    for (int i = 'A'; i <= 'Z'; ++i) c[i] = kIdentStart;
    for (int i = 0x80; i < 256; ++i) c[i] = kIdentStart;
    c[static_cast<unsigned char>('_')] = kIdentStart;
    for (int i = '0'; i <= '9'; ++i) c[i] = kDigitClass;
    c[static_cast<unsigned char>('$')] = kDollarClass;
  }
};
inline constexpr CharTable kCharTable{};
inline std::uint8_t char_class(unsigned char c) noexcept {
  return kCharTable.c[c];
}

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
