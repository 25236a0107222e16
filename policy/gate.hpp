#pragma once
// The one door every statement passes before it reaches a backend: wire
// sessions (Query, Parse, COM_QUERY, COM_STMT_PREPARE) and the admin API's
// tools all call StatementGate::check.
#include <cstdint>
#include <string>
#include <string_view>

#include "parsers/statement.hpp"
#include "proxy/core/config.hpp"

namespace sw::policy {

struct SessionContext {
  Protocol protocol = Protocol::postgres;
  std::string_view tenant;
  std::string_view user;
  std::string_view database;
  std::string_view profile;
  // MySQL: sql_mode NO_BACKSLASH_ESCAPES changes how strings are lexed.
  bool no_backslash_escapes = false;
  // MySQL: ANSI_QUOTES makes "..." an identifier, not a string.
  bool ansi_quotes = false;
  // PostgreSQL: the server's standard_conforming_strings (ParameterStatus).
  // When off, backslashes escape inside '...' and the parser (which assumes
  // on) could see other statements than the server: restricted profiles
  // then deny any request holding a backslash.
  bool standard_conforming_strings = true;
  // MySQL: the client character set is one whose multi-byte characters can
  // end in 0x5c or 0x27 (big5, cp932, gbk, gb18030, sjis): bytes >= 0x80 could
  // hide a backslash or quote from the lexer, so restricted profiles deny them.
  bool ambiguous_multibyte_charset = false;
};

struct Decision {
  bool allowed = true;
  parsers::StatementKind kind = parsers::StatementKind::unknown;
  std::string rule;     // machine-readable id, e.g. "kind_not_allowed"; empty when allowed
  std::string message;  // human-readable reason, sent to the client on denial
  std::uint64_t fingerprint = 0;
};

class StatementGate {
 public:
  virtual ~StatementGate() = default;
  virtual Decision check(const SessionContext& session, std::string_view sql) = 0;
};

// Lets everything through; the default until profiles are configured.
class AllowAllGate final : public StatementGate {
 public:
  Decision check(const SessionContext&, std::string_view) override { return {}; }
};

}  // namespace sw::policy
