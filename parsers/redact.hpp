#pragma once
// Statement text fit for the audit trail. The protocol drivers call this
// before they hand a record to audit/ (which may not include parsers/), so
// a password never leaves the data path in clear:
//   - `secrets`: the text as sent, except that every literal and comment of
//     a statement that carries a credential (… PASSWORD '…', IDENTIFIED BY,
//     SET PASSWORD, MASTER_PASSWORD, USER MAPPING OPTIONS, encryption
//     functions …) is replaced, and so is any string that looks like a
//     connection string with a password (dblink, CREATE SUBSCRIPTION);
//   - `literals`: every string and number literal becomes `?` as well.
// Text the lexer cannot finish (an unterminated quote) is cut at that point,
// except in `secrets` mode when no credential mark occurs anywhere in it
// (then it is kept as sent: there is nothing to mask).
#include <string>
#include <string_view>

#include "parsers/mysql_lexer.hpp"
#include "parsers/statement.hpp"

namespace sw::parsers {

enum class RedactMode { secrets, literals };

struct Redacted {
  std::string text;
  // Some statement carried a credential: bound parameters (extended
  // protocol, COM_STMT_EXECUTE) must not be recorded either.
  bool had_secret = false;
};

Redacted redact_sql(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql,
                    RedactMode mode);

}  // namespace sw::parsers
