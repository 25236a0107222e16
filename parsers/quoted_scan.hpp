#pragma once
// The quoted-literal scan both dialects share: from just after the opening
// quote to just after the closing one. A doubled quote stands for itself;
// with backslash escapes on, a backslash takes the next byte along.
#include <cstddef>
#include <string_view>

namespace sw::parsers {

// Returns the position after the closing quote, or sql.size() with
// `closed == false` when the literal never ends.
inline std::size_t scan_quoted_body(std::string_view sql, std::size_t pos, char quote,
                                    bool backslash_escapes, bool& closed) noexcept {
  while (pos < sql.size()) {
    char c = sql[pos];
    if (backslash_escapes && c == '\\') {
      pos += 2;
      continue;
    }
    if (c == quote) {
      if (pos + 1 < sql.size() && sql[pos + 1] == quote) {
        pos += 2;
        continue;
      }
      closed = true;
      return pos + 1;
    }
    ++pos;
  }
  closed = false;
  return sql.size();
}

}  // namespace sw::parsers
