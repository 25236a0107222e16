#pragma once
// MySQL/MariaDB statements from tokens (no regexes, no grammar): split where
// the server splits, classify each statement by its leading keywords, and
// collect what the policy needs — called functions (a name followed by '('),
// table references after FROM/JOIN/INTO/UPDATE/TABLE …, INTO OUTFILE /
// DUMPFILE / @var, user-variable assignment, locking reads, sequence use.
// Executable comments /*! … */ are read as the code they hold.
#include <string_view>
#include <vector>

#include "parsers/mysql_lexer.hpp"
#include "parsers/statement.hpp"
#include "parsers/token.hpp"

namespace sw::parsers {

// Fills `analysis` except statement_count (the normaliser's). `scratch` is
// a reusable token buffer.
void analyze_mysql(std::string_view sql, MysqlLexOptions options, Analysis& analysis,
                   std::vector<Token>& scratch);

}  // namespace sw::parsers
