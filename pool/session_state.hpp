#pragma once
// Protocol-neutral vocabulary for session state under pooling: what pins a
// client to its server connection, and which settings must be replayed on
// (or reset from) a borrowed server connection. Drivers detect state from
// the statement model and from what the server reports, and ask these
// helpers what to do; they build the protocol's own statements.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sw::pool {

// State that cannot move between server connections: while any is held the
// client keeps its server connection (or, in a strict pool, is refused).
enum class Pin : std::uint32_t {
  temp_table = 1u << 0,     // PG temp tables, MySQL temporary tables
  advisory_lock = 1u << 1,  // PG session advisory locks, MySQL GET_LOCK
  hold_cursor = 1u << 2,    // PG WITH HOLD cursors, MySQL open cursors
  sql_prepare = 1u << 3,    // SQL-level PREPARE (PG, MySQL)
  listen = 1u << 4,         // PG LISTEN
  table_lock = 1u << 5,     // MySQL LOCK TABLES
  user_variable = 1u << 6,  // MySQL @variables the pool cannot replay
  other = 1u << 7,          // anything else the driver cannot carry
};
using PinSet = std::uint32_t;

inline PinSet operator|(PinSet s, Pin p) noexcept {
  return s | static_cast<PinSet>(p);
}
inline bool has(PinSet s, Pin p) noexcept {
  return (s & static_cast<PinSet>(p)) != 0;
}
const char* pin_name(Pin p) noexcept;
// "temp tables, LISTEN" — for messages and logs; "" when empty.
std::string describe(PinSet pins);

// Session settings by name (the driver decides how names are folded).
using Settings = std::map<std::string, std::string>;

// What to run on a server connection whose settings are `server` so that
// they become `client`: SET for every differing or missing value, RESET for
// what the client never set.
struct SettingsDiff {
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::string> reset;
  bool empty() const noexcept { return set.empty() && reset.empty(); }
};
SettingsDiff diff(const Settings& server, const Settings& client);

}  // namespace sw::pool
