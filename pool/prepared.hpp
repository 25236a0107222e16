#pragma once
// Protocol-level prepared statements across pooled server connections.
// A client names statements as it likes; the proxy interns each distinct
// (text, parameter types) once per worker and prepares it on a server
// connection under a proxy-unique name ("sw_<id>") when a statement is first
// used there. So clients never collide, and a client whose transaction lands
// on another server connection finds its statements re-prepared lazily.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace sw::pool {

using StatementId = std::uint64_t;

struct PreparedStatement {
  std::string text;    // the SQL
  std::string params;  // protocol-specific parameter type bytes, opaque here
};

// Per worker: interned statements. Ids are never reused.
class StatementCatalog {
 public:
  StatementId intern(std::string_view text, std::string_view params);
  const PreparedStatement* find(StatementId id) const;
  static std::string server_name(StatementId id);  // "sw_<id>"
  std::size_t size() const noexcept { return by_id_.size(); }

 private:
  std::unordered_map<std::string, StatementId> by_key_;
  std::unordered_map<StatementId, PreparedStatement> by_id_;
  StatementId next_ = 1;
};

// Per client: its statement names → interned ids.
using ClientStatements = std::unordered_map<std::string, StatementId>;
// Per server connection: which interned statements it has prepared.
using ServerStatements = std::unordered_set<StatementId>;

}  // namespace sw::pool
