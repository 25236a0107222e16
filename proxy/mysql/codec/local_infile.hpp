#pragma once
// LOAD DATA LOCAL INFILE, where the server asks the client for a file by
// name (a 0xFB packet). A hostile or compromised server could name any file,
// so the proxy relays such a request only when it names exactly the file of
// the next allowed LOAD DATA LOCAL statement of the client's own request.
// Pure functions: the statement model comes from parsers/.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/core/bytes.hpp"

namespace sw::mysql {

struct LocalInfilePlan {
  std::size_t statements = 0;      // statements in the request
  std::vector<std::string> files;  // file names of its LOAD DATA LOCAL statements, in order
};

// The request's LOAD DATA LOCAL file names as the server will decode them
// (quotes, doubled quotes, backslash escapes unless NO_BACKSLASH_ESCAPES). A
// name that is not a plain literal (hex, charset introducer) is left out, so
// the server's request for it is refused.
LocalInfilePlan plan_local_infile(std::string_view sql, bool no_backslash_escapes,
                                  bool ansi_quotes);

// A MySQL string literal's value; nullopt when `literal` is not a plain
// '…' or "…" literal.
std::optional<std::string> decode_string_literal(std::string_view literal,
                                                 bool no_backslash_escapes);

// The file name of a LOCAL INFILE request payload (0xFB + name); nullopt
// when the payload is not one.
std::optional<std::string_view> local_infile_request(ByteSpan payload);

}  // namespace sw::mysql
