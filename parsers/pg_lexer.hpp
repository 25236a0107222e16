#pragma once
// PostgreSQL 15 lexer, following the token rules of src/backend/parser/scan.l
// closely enough that two texts with the same token sequence parse the same:
// standard-conforming '' strings, E'' escape strings, U&'' / U&"", B'' X''
// N'', dollar quoting, nested /* */ comments, string continuation across a
// newline, "trailing junk" after numbers. No allocation.
#include <string_view>

#include "parsers/token.hpp"

namespace sw::parsers {

class PgLexer {
 public:
  explicit PgLexer(std::string_view sql) noexcept;

  // Next token into `out`; false at the end of input or on an error.
  bool next(Token& out) noexcept;
  LexError error() const noexcept { return error_; }

 private:
  void skip_space_and_comments() noexcept;
  bool scan_quoted(char quote, bool backslash_escapes) noexcept;
  bool continue_string() noexcept;
  bool scan_dollar_quote(std::size_t tag_end) noexcept;
  std::size_t dollar_tag_end(std::size_t from) const noexcept;
  void scan_number(Token& out) noexcept;
  void scan_operator() noexcept;

  std::string_view sql_;
  std::size_t pos_ = 0;
  LexError error_ = LexError::none;
};

}  // namespace sw::parsers
