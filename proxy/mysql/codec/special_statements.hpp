#pragma once
// Statements the MySQL session handles itself rather than forwarding.
// Recognises `KILL [HARD|SOFT] [CONNECTION|QUERY] n|CONNECTION_ID()` in a
// COM_QUERY. Client
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
  // `KILL CONNECTION_ID()`: the client's own connection, whose id only the
  // session knows (the server would read its own thread id there).
  bool self = false;
};

enum class KillParse {
  not_kill,     // some other statement
  kill,         // a KILL the proxy understands (filled in)
  unsupported,  // starts with KILL but is a form the proxy cannot map (KILL USER, KILL QUERY ID)
};

KillParse parse_kill_statement(std::string_view sql, KillStatement& out);

// A request of several statements with a KILL that names a connection by
// number: the server would read the number as one of its own thread ids,
// which is not the proxy's id for that client, so the request is refused.
// `KILL [QUERY] CONNECTION_ID()` in a batch is fine: the server then names
// the very connection that runs the batch.
bool batch_kills_by_number(std::string_view sql, bool no_backslash_escapes);

}  // namespace sw::mysql
