#pragma once
// One row of seed 000's query_log table, as text ready to bind.
#include <cstdint>
#include <optional>
#include <string>

#include "audit/record.hpp"

namespace sw::audit {

struct QueryLogRow {
  std::string query_hash;      // fingerprint, 16 hex digits (VARCHAR(32))
  std::string query_text;      // text per the audit text mode, else the normalised text
  std::string user_context;    // "user@database (tenant, protocol, client)" cut to 100 bytes
  std::string execution_time;  // seconds with 6 decimals (DECIMAL(10,6))
  std::optional<std::int32_t> rows_affected;
  bool success = true;
  std::string error_message;  // "CODE message", or the denial rule
  std::string created_at;     // UTC "YYYY-MM-DD HH:MM:SS.ffffff"
};

QueryLogRow to_query_log_row(const AuditRecord& r);

}  // namespace sw::audit
