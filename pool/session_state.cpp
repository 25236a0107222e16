#include "pool/session_state.hpp"

namespace sw::pool {

const char* pin_name(Pin p) noexcept {
  switch (p) {
    case Pin::temp_table:
      return "temporary tables";
    case Pin::advisory_lock:
      return "session advisory locks";
    case Pin::hold_cursor:
      return "WITH HOLD cursors";
    case Pin::sql_prepare:
      return "SQL-level prepared statements";
    case Pin::listen:
      return "LISTEN";
    case Pin::table_lock:
      return "LOCK TABLES";
    case Pin::user_variable:
      return "user variables";
    case Pin::other:
      return "session state";
  }
  return "session state";
}

std::string describe(PinSet pins) {
  std::string out;
  for (std::uint32_t bit = 1; bit != 0 && bit <= static_cast<std::uint32_t>(Pin::other);
       bit <<= 1) {
    if (!(pins & bit)) continue;
    if (!out.empty()) out += ", ";
    out += pin_name(static_cast<Pin>(bit));
  }
  return out;
}

SettingsDiff diff(const Settings& server, const Settings& client) {
  SettingsDiff d;
  for (const auto& [name, value] : client) {
    auto it = server.find(name);
    if (it == server.end() || it->second != value) d.set.emplace_back(name, value);
  }
  for (const auto& [name, value] : server)
    if (!client.count(name)) d.reset.push_back(name);
  return d;
}

}  // namespace sw::pool
