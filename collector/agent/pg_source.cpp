// pg_stat_statements through libpq, reported as deltas between snapshots
// (see source.hpp).
#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "collector/agent/source.hpp"

namespace sw::collector::agent {

namespace {

using nlohmann::json;

struct PgFinish {
  void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct PgClear {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, PgFinish>;
using PgResult = std::unique_ptr<PGresult, PgClear>;

Result<Conn> connect(const DbConfig& db) {
  std::string port = std::to_string(db.port);
  const char* keys[] = {
      "host", "port", "user", "password", "dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {db.host.c_str(),
                          port.c_str(),
                          db.user.c_str(),
                          db.password.reveal().c_str(),
                          db.database.empty() ? "postgres" : db.database.c_str(),
                          "10",
                          "sqlwarden-collector",
                          nullptr};
  Conn c(PQconnectdbParams(keys, values, 0));
  if (!c) return make_error(Errc::internal, "libpq: out of memory");
  if (PQstatus(c.get()) != CONNECTION_OK)
    return make_error(Errc::io, fmt::format("postgres connect: {}", PQerrorMessage(c.get())));
  return c;
}

Result<PgResult> query(PGconn* c, const char* sql) {
  PgResult r(PQexec(c, sql));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    return make_error(Errc::io, fmt::format("postgres: {}", PQerrorMessage(c)));
  return r;
}

class PgSource final : public Source {
 public:
  const char* name() const noexcept override { return "pg_stat_statements"; }

  Result<Collection> collect(const DbConfig& db, const json& cursor) override {
    auto conn = connect(db);
    if (!conn) return std::move(conn).error();
    PGconn* c = conn->get();
    int version = PQserverVersion(c);
    // total_exec_time since 13, toplevel since 14.
    std::string sql = fmt::format(
        "SELECT s.userid::text || '/' || s.queryid::text || '/' || {} , s.calls, {}, s.rows, "
        "s.query, coalesce(r.rolname, '') FROM pg_stat_statements s "
        "LEFT JOIN pg_roles r ON r.oid = s.userid "
        "WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND s.queryid IS NOT NULL",
        version >= 140000 ? "s.toplevel::text" : "'t'",
        version >= 130000 ? "s.total_exec_time" : "s.total_time");
    auto rows = query(c, sql.c_str());
    if (!rows) return std::move(rows).error();
    std::string database = PQdb(c);
    bool baseline = !cursor.is_object() || !cursor.contains("snapshot");
    const json& previous = baseline ? json::object() : cursor["snapshot"];
    Collection out;
    json snapshot = json::object();
    PGresult* r = rows->get();
    for (int i = 0; i < PQntuples(r); ++i) {
      std::string key = PQgetvalue(r, i, 0);
      std::uint64_t calls = std::strtoull(PQgetvalue(r, i, 1), nullptr, 10);
      double total_ms = std::strtod(PQgetvalue(r, i, 2), nullptr);
      std::uint64_t nrows = std::strtoull(PQgetvalue(r, i, 3), nullptr, 10);
      snapshot[key] = {calls, total_ms, nrows};
      if (baseline) continue;
      std::uint64_t prev_calls = 0, prev_rows = 0;
      double prev_ms = 0;
      if (auto it = previous.find(key); it != previous.end() && it->is_array() && it->size() == 3) {
        prev_calls = (*it)[0].get<std::uint64_t>();
        prev_ms = (*it)[1].get<double>();
        prev_rows = (*it)[2].get<std::uint64_t>();
      }
      // Fewer calls than last time: the entry was evicted or reset and
      // counts from zero again.
      if (calls < prev_calls) {
        prev_calls = prev_rows = 0;
        prev_ms = 0;
      }
      std::uint64_t d_calls = calls - prev_calls;
      if (d_calls == 0) continue;
      double mean_ms = std::max(0.0, total_ms - prev_ms) / static_cast<double>(d_calls);
      if (mean_ms < static_cast<double>(db.min_exec_time_ms)) continue;
      out.queries.push_back({{"query", PQgetvalue(r, i, 4)},
                             {"user", PQgetvalue(r, i, 5)},
                             {"database", database},
                             {"query_time_ms", mean_ms},
                             {"calls", d_calls},
                             {"rows", nrows >= prev_rows ? nrows - prev_rows : nrows}});
    }
    out.cursor = {{"snapshot", std::move(snapshot)}};
    return out;
  }
};

}  // namespace

std::unique_ptr<Source> make_postgres_source() {
  return std::make_unique<PgSource>();
}

}  // namespace sw::collector::agent
