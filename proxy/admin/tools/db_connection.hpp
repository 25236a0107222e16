#pragma once
// One client connection of the tool executor to a sqlwarden listener. The
// executor is a client of sqlwarden itself (libpq for PostgreSQL tenants,
// Connector/C for MySQL tenants), so the gate, pool and audit apply to tool
// calls exactly as to wire clients. Blocking: only executor threads call it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "proxy/core/config.hpp"
#include "proxy/core/secret.hpp"

namespace sw::tools {

// How a column's text value becomes JSON (json_cells.hpp).
enum class ValueKind {
  integer,  // JSON number when it fits in ±2^53, else a string
  unsigned_integer,
  floating,  // JSON number; NaN and infinities as strings
  boolean,
  decimal,  // string: exact
  binary,   // base64 string
  text,     // string (also dates, times, JSON documents, enums)
};

struct Column {
  std::string name;
  std::string type;  // the engine's type name
  ValueKind kind = ValueKind::text;
};

using Cell = std::optional<std::string>;  // nullopt = SQL NULL; binary cells hold raw bytes

struct ResultSet {
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;
  bool has_rows = false;  // a row-returning statement (even with zero rows)
  bool truncated = false;
  std::uint64_t rows_affected = 0;
  std::optional<std::uint64_t> last_insert_id;
};

struct DbError {
  std::string sqlstate;  // five characters, or empty
  std::string message;
  bool timeout = false;     // the statement ran past its timeout and was cancelled
  bool connection = false;  // the connection is unusable now
};

using Outcome = std::variant<ResultSet, DbError>;

struct QueryLimits {
  std::chrono::milliseconds timeout{30000};
  std::uint32_t max_rows = 1000;
};

struct ConnectTarget {
  Protocol engine = Protocol::mysql;
  std::string host;
  std::uint16_t port = 0;
  std::string user;
  Secret password;
  std::string database;
  bool read_only = false;  // run every statement in a read-only transaction
  std::chrono::milliseconds connect_timeout{5000};
};

class DbConnection {
 public:
  virtual ~DbConnection() = default;
  // Exactly one statement; `params` (a JSON array, may be empty) are bound as
  // server-side prepared-statement parameters, never spliced into the text.
  virtual Outcome run(std::string_view sql, const nlohmann::json& params,
                      const QueryLimits& limits) = 0;
  virtual std::string server_version() = 0;
  virtual bool healthy() = 0;
};

using ConnectOutcome = std::variant<std::unique_ptr<DbConnection>, DbError>;

ConnectOutcome connect_pg(const ConnectTarget& target);
ConnectOutcome connect_mysql(const ConnectTarget& target);

}  // namespace sw::tools
