#pragma once
// Inserts query_log rows in batches on one connection of its own: libpq for
// a PostgreSQL table, Connector/C for a MySQL/MariaDB one. Used only by the
// database sink's thread — never by a worker.
#include <memory>
#include <vector>

#include "audit/db_row.hpp"
#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"

namespace sw::audit {

class TableWriter {
 public:
  virtual ~TableWriter() = default;
  virtual Status connect() = 0;
  // One multi-row INSERT; on failure the connection is dropped (reconnect next time).
  virtual Status insert(const std::vector<QueryLogRow>& rows) = 0;
  virtual bool connected() const = 0;
};

std::unique_ptr<TableWriter> make_table_writer(const AuditDatabaseConfig& config);

}  // namespace sw::audit
