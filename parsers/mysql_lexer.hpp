#pragma once
// MySQL/MariaDB lexer following sql_lex.cc: '' and "" strings with backslash
// escapes unless NO_BACKSLASH_ESCAPES, "" as identifier under ANSI_QUOTES,
// backtick identifiers, `# …` and `-- ` comments (the dashes must be followed
// by whitespace, a control character or the end), non-nesting /* */, and
// /*! */, /*M! */ whose content is code. No allocation.
#include <string_view>

#include "parsers/token.hpp"

namespace sw::parsers {

struct MysqlLexOptions {
  bool no_backslash_escapes = false;
  bool ansi_quotes = false;
};

class MysqlLexer {
 public:
  MysqlLexer(std::string_view sql, MysqlLexOptions options) noexcept;

  bool next(Token& out) noexcept;
  LexError error() const noexcept { return error_; }

  // Things the server does not do the way a reader expects; the classifier
  // refuses requests that contain them.
  bool nested_comment() const noexcept { return nested_comment_; }
  bool semicolon_in_executable_comment() const noexcept { return semicolon_in_exec_; }

 private:
  void skip_space_and_comments() noexcept;
  bool skip_plain_comment() noexcept;
  bool scan_quoted(char quote, bool backslash_escapes) noexcept;
  void scan_word_or_number(Token& out, bool after_dot) noexcept;

  std::string_view sql_;
  MysqlLexOptions options_;
  std::size_t pos_ = 0;
  LexError error_ = LexError::none;
  bool in_exec_ = false;
  bool nested_comment_ = false;
  bool semicolon_in_exec_ = false;
  bool prev_dot_ = false;  // previous token was a '.' glued to what follows
};

}  // namespace sw::parsers
