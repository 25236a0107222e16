#pragma once
// A batch of slow queries as a collector posts it, and as the registry keeps
// it: POST /api/v1/collectors/{id}/queries
//   {"batch_id": "…", "source": "mysql.slow_log",
//    "queries": [{"query": "SELECT SLEEP(0.6)", "database": "app", "user": "app",
//                 "query_time_ms": 600.2, "calls": 1, "rows": 1,
//                 "start_time": "2026-12-02T14:00:00.123456Z"}, …]}
// Seed 001's slow_log column names are accepted too (sql_text, db,
// user_host, query_time in seconds, rows_sent). The receiver fingerprints
// every query with the proxy's own normaliser (parsers/normalizer.hpp), so a
// collected statement and the same statement audited at the wire share one
// fingerprint; a query that carries "fingerprint" and "normalized" (a
// sqlwarden slow-log entry, fingerprinted already) keeps them. Only the
// normalised text is stored: literals, and the secrets they may hold, are
// dropped on arrival.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "parsers/statement.hpp"
#include "proxy/core/result.hpp"

namespace sw::collector {

struct CollectedQuery {
  std::uint64_t fingerprint = 0;
  std::string normalized;
  std::string kind;  // parsers::statement_kind_name; "unknown" when unparsable
  std::string database;
  std::string user;
  std::uint64_t duration_us = 0;  // mean per call
  std::uint64_t calls = 1;
  std::int64_t rows = -1;  // total over the calls; -1 unknown
  std::chrono::system_clock::time_point time;
};

struct Batch {
  std::string batch_id;  // the collector's; a repeated id is a retry, not new data
  std::string source;
  std::vector<CollectedQuery> queries;
};

// A non-negative integer, whether it was parsed (unsigned) or built in C++
// from an int (signed).
inline bool is_count(const nlohmann::json& v) noexcept {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
}

inline constexpr std::size_t kMaxBatchIdBytes = 128;
inline constexpr std::size_t kMaxQueryBytes = 1 << 20;

// A posted body; `dialect` fingerprints queries of a collector of that type;
// a query's own "dialect" ("mysql" | "postgres") wins. At most
// `max_queries` queries.
Result<Batch> parse_batch(const nlohmann::json& body, parsers::Dialect dialect,
                          std::chrono::system_clock::time_point now, std::size_t max_queries);

// The stored form (one JSON line per batch in the collector's queries file).
nlohmann::json stored_batch_json(const Batch& batch);
Result<Batch> batch_from_stored(const nlohmann::json& j);

// "2026-12-02T14:00:00.123Z", "2026-12-02 14:00:00.123456" (UTC) → time.
Result<std::chrono::system_clock::time_point> parse_utc_time(std::string_view text);

}  // namespace sw::collector
