#pragma once
// Statements the proxy itself runs on a pooled server connection (setting
// replay, the session-state probe, the server check, DISCARD ALL): a simple
// Query, read to ReadyForQuery, nothing relayed to any client.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/core/result.hpp"
#include "proxy/pg/server_connection.hpp"

namespace sw::pg {

struct ExchangeResult {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::string sqlstate;  // of the first ErrorResponse; empty when none
  std::string error;     // its message
  bool ok() const noexcept { return sqlstate.empty(); }
};

// Errc::io when the connection failed (it is then unusable).
net::awaitable<Result<ExchangeResult>> run_internal(ServerConnection& server, std::string_view sql);

}  // namespace sw::pg
