#pragma once
// PostgreSQL statements through libpg_query: parse to protobuf, unpack into
// the generated C structs and walk every node generically through the
// protobuf-c descriptors, so no node shape can hide a function call or a
// table reference from the policy.
#include <string_view>

#include "parsers/statement.hpp"

namespace sw::parsers {

// Fills `analysis.statements` (kind, tables, functions, writes, locking …)
// and `analysis.parsed`/`error`. statement_count is left to the lexer.
void analyze_postgres(std::string_view sql, Analysis& analysis);

}  // namespace sw::parsers
