#pragma once
// Where slow queries come from. A source is stateless between calls: the
// agent hands it the cursor it returned last time and stores the new one in
// the same atomic write as the batch it produced, so a crash can neither
// lose a window nor send one twice under a new batch id.
//   mysql      mysql.slow_log (log_output = TABLE): rows whose end time
//              (start_time + query_time) lies in (previous bound, now − 1 s];
//              the 1 s lag covers rows still being written. First run: starts now.
//   postgres   pg_stat_statements of db_config.database: per-entry deltas of
//              calls / total time / rows against the previous snapshot; an
//              entry whose delta mean reaches min_exec_time_ms is reported
//              with calls = Δcalls. First run: snapshot only.
//   sqlwarden  GET /api/v1/slow?since=CURSOR on a sqlwarden admin API: the
//              proxy's own wire-level slow log, cursor-based (no duplicates,
//              no gaps; entries the proxy's ring dropped are counted as missed).
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "collector/agent/agent_config.hpp"
#include "proxy/core/result.hpp"

namespace sw::collector::agent {

struct Collection {
  nlohmann::json queries = nlohmann::json::array();  // batch items (collector/batch.hpp)
  nlohmann::json cursor;                             // pass to the next collect()
  std::uint64_t missed = 0;                          // lost at the source before we read them
};

class Source {
 public:
  virtual ~Source() = default;
  virtual const char* name() const noexcept = 0;  // the batch's "source"
  // `cursor` is null on the first run.
  virtual Result<Collection> collect(const DbConfig& db, const nlohmann::json& cursor) = 0;
};

std::unique_ptr<Source> make_mysql_source();
std::unique_ptr<Source> make_postgres_source();
std::unique_ptr<Source> make_sqlwarden_source();
std::unique_ptr<Source> make_source(DbType type);
// Connector/C's process-wide state, freed at exit (leak checkers see it otherwise).
void end_mysql_library() noexcept;

}  // namespace sw::collector::agent
