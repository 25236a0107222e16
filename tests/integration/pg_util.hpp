#pragma once
// Small libpq helpers shared by the PostgreSQL protocol tests.
#include <libpq-fe.h>

#include <memory>
#include <string>

#include <fmt/format.h>

#include "tests/support/command.hpp"

namespace sw::test {

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

inline PgConn pg_connect(std::uint16_t port, const std::string& user, const std::string& db,
                         const std::string& extra = "") {
  std::string conninfo =
      fmt::format("host=127.0.0.1 port={} user={} password={} dbname={} connect_timeout=10 {}",
                  port, user, user, db, extra);
  return PgConn(PQconnectdb(conninfo.c_str()));
}

inline PgResult pg_exec(PGconn* c, const std::string& sql) {
  return PgResult(PQexec(c, sql.c_str()));
}

inline std::string sqlstate(const PGresult* r) {
  const char* s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return s ? s : "";
}

// One value of a one-row result, or the error text.
inline std::string pg_value(PGconn* c, const std::string& sql) {
  PgResult r = pg_exec(c, sql);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) < 1)
    return "ERROR: " + std::string(PQresultErrorMessage(r.get()));
  return PQgetvalue(r.get(), 0, 0);
}

// A psql command line against the proxy.
inline std::string psql_cmd(std::uint16_t port, const std::string& user, const std::string& db,
                            const std::string& args) {
  return fmt::format("PGPASSWORD={} PGCONNECT_TIMEOUT=10 psql -X -h 127.0.0.1 -p {} -U {} -d {} {}",
                     user, port, user, db, args);
}

}  // namespace sw::test
