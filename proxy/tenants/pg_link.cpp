// BackendLink over libpq.
#include <libpq-fe.h>

#include <algorithm>

#include <fmt/format.h>

#include "proxy/tenants/backend_link.hpp"

namespace sw::tenants {
namespace {

class PgLink final : public BackendLink {
 public:
  explicit PgLink(PGconn* conn) : conn_(conn) {}
  ~PgLink() override { PQfinish(conn_); }

  Result<std::vector<Row>> query(const std::string& sql) override {
    PGresult* res = PQexec(conn_, sql.c_str());
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
      const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
      error_.sqlstate = state ? state : "08006";
      error_.message = primary ? primary : PQerrorMessage(conn_);
      while (!error_.message.empty() && error_.message.back() == '\n') error_.message.pop_back();
      return make_error(Errc::io, error_.message);
    }
    std::vector<Row> rows;
    for (int r = 0; r < PQntuples(res); ++r) {
      Row row;
      for (int c = 0; c < PQnfields(res); ++c)
        row.push_back(PQgetisnull(res, r, c) ? std::nullopt
                                             : std::optional<std::string>(PQgetvalue(res, r, c)));
      rows.push_back(std::move(row));
    }
    return rows;
  }
  const SqlError& last_error() const override { return error_; }
  std::string ident(const std::string& name) const override {
    char* q = PQescapeIdentifier(conn_, name.c_str(), name.size());
    std::string out = q ? q : "\"\"";
    PQfreemem(q);
    return out;
  }
  std::string literal(const std::string& value) const override {
    char* q = PQescapeLiteral(conn_, value.c_str(), value.size());
    std::string out = q ? q : "''";
    PQfreemem(q);
    return out;
  }

 private:
  PGconn* conn_;
  SqlError error_;
};

}  // namespace

Result<std::unique_ptr<BackendLink>> connect_pg(const BackendLogin& login) {
  std::string port = std::to_string(login.backend.port);
  std::string timeout = std::to_string(std::max<long>(1, login.connect_timeout.count() / 1000));
  const char* keys[] = {"host",    "port",
                        "user",    "password",
                        "dbname",  "connect_timeout",
                        "sslmode", "application_name",
                        nullptr};
  const char* values[] = {login.backend.host.c_str(),
                          port.c_str(),
                          login.user.c_str(),
                          login.password.reveal().c_str(),
                          login.database.c_str(),
                          timeout.c_str(),
                          "prefer",
                          "sqlwarden-cloning",
                          nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 0);
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    std::string why = conn ? PQerrorMessage(conn) : "out of memory";
    while (!why.empty() && why.back() == '\n') why.pop_back();
    PQfinish(conn);
    return make_error(
        Errc::io, fmt::format("PostgreSQL {} as {} (database {}): {}", login.backend.to_string(),
                              login.user, login.database, why));
  }
  return std::unique_ptr<BackendLink>(std::make_unique<PgLink>(conn));
}

}  // namespace sw::tenants
