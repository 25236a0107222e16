#pragma once
// Statements the MySQL session handles itself rather than forwarding.
// Recognises `KILL [HARD|SOFT] [CONNECTION|QUERY] n` in a COM_QUERY. Client
// connection ids are the proxy's own, so the proxy must translate them to
// backend thread ids rather than let the server kill whatever thread
// happens to carry that number.
#include <cstdint>
#include <optional>
#include <string_view>

namespace sw::mysql {

struct KillStatement {
  bool query_only = false;  // KILL QUERY: end the running statement, keep the connection
  bool hard = true;
  std::uint64_t id = 0;
};

enum class KillParse {
  not_kill,     // some other statement
  kill,         // a KILL the proxy understands (filled in)
  unsupported,  // starts with KILL but is a form the proxy cannot map (KILL USER, KILL QUERY ID)
};

KillParse parse_kill_statement(std::string_view sql, KillStatement& out);

}  // namespace sw::mysql
