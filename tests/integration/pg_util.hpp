#pragma once
// Small libpq helpers shared by the PostgreSQL protocol tests.
#include <libpq-fe.h>
#include <sys/resource.h>

#include <memory>
#include <string>

#include <fmt/format.h>

#include "tests/support/command.hpp"
#include "tests/support/test_env.hpp"

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

// A direct (superuser-free) connection to the fixture's backend as app.
inline PgConn app_backend(const std::string& db) {
  return pg_connect(servers().pg_port, "app", db);
}

// Enough descriptors for 1,000 clients in the test and its children (a
// child inherits the limit; the proxy raises its own soft limit as well).
inline void raise_fd_limit() {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
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
