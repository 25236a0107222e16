// The executor's PostgreSQL client: libpq to the tenant's sqlwarden
// listener. Statements go out with PQsendQueryParams (the extended protocol:
// parameters are bound server-side), rows come back in single-row mode so a
// capped result never sits in memory whole, and a statement past its
// timeout is cancelled on the server with PQcancel (through the proxy's
// cancel forwarding).
#include <poll.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include "proxy/admin/tools/db_connection.hpp"
#include "proxy/admin/tools/json_cells.hpp"

namespace sw::tools {
namespace {

using Clock = std::chrono::steady_clock;

// Type names and JSON kinds of the built-in types a result usually holds.
Column describe_column(const PGresult* res, int i) {
  Column c;
  c.name = PQfname(res, i);
  switch (PQftype(res, i)) {
    case 16:
      c = {c.name, "boolean", ValueKind::boolean};
      break;
    case 17:
      c = {c.name, "bytea", ValueKind::binary};
      break;
    case 20:
      c = {c.name, "bigint", ValueKind::integer};
      break;
    case 21:
      c = {c.name, "smallint", ValueKind::integer};
      break;
    case 23:
      c = {c.name, "integer", ValueKind::integer};
      break;
    case 26:
      c = {c.name, "oid", ValueKind::integer};
      break;
    case 700:
      c = {c.name, "real", ValueKind::floating};
      break;
    case 701:
      c = {c.name, "double precision", ValueKind::floating};
      break;
    case 1700:
      c = {c.name, "numeric", ValueKind::decimal};
      break;
    case 790:
      c = {c.name, "money", ValueKind::text};
      break;
    case 25:
      c = {c.name, "text", ValueKind::text};
      break;
    case 1043:
      c = {c.name, "character varying", ValueKind::text};
      break;
    case 1042:
      c = {c.name, "character", ValueKind::text};
      break;
    case 19:
      c = {c.name, "name", ValueKind::text};
      break;
    case 1082:
      c = {c.name, "date", ValueKind::text};
      break;
    case 1083:
      c = {c.name, "time", ValueKind::text};
      break;
    case 1114:
      c = {c.name, "timestamp", ValueKind::text};
      break;
    case 1184:
      c = {c.name, "timestamp with time zone", ValueKind::text};
      break;
    case 1186:
      c = {c.name, "interval", ValueKind::text};
      break;
    case 114:
      c = {c.name, "json", ValueKind::text};
      break;
    case 3802:
      c = {c.name, "jsonb", ValueKind::text};
      break;
    case 2950:
      c = {c.name, "uuid", ValueKind::text};
      break;
    case 869:
      c = {c.name, "inet", ValueKind::text};
      break;
    case 18:
      c = {c.name, "char", ValueKind::text};
      break;
    default:
      c = {c.name, fmt::format("oid {}", PQftype(res, i)), ValueKind::text};
      break;
  }
  return c;
}

// bytea in text format is "\x" followed by hex digits.
std::string decode_bytea_hex(const char* text, int len) {
  std::string out;
  if (len < 2 || text[0] != '\\' || text[1] != 'x') return std::string(text, len);
  auto nibble = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return 0;
  };
  out.reserve((len - 2) / 2);
  for (int i = 2; i + 1 < len; i += 2)
    out.push_back(static_cast<char>((nibble(text[i]) << 4) | nibble(text[i + 1])));
  return out;
}

DbError error_from(const PGresult* res, PGconn* conn) {
  DbError e;
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  e.sqlstate = state ? state : "";
  e.message = primary ? primary : PQerrorMessage(conn);
  while (!e.message.empty() && (e.message.back() == '\n' || e.message.back() == ' '))
    e.message.pop_back();
  e.connection = PQstatus(conn) != CONNECTION_OK;
  if (e.connection && e.sqlstate.empty()) e.sqlstate = "08006";
  return e;
}

class PgConnection final : public DbConnection {
 public:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  ~PgConnection() override { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Outcome run(std::string_view sql, const nlohmann::json& params,
              const QueryLimits& limits) override {
    std::vector<std::string> values;  // one per parameter (empty for NULL)
    std::vector<const char*> pointers;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.is_null() ? std::string() : param_text(p));
    for (std::size_t i = 0; i < values.size(); ++i)
      pointers.push_back(params[i].is_null() ? nullptr : values[i].c_str());

    std::string text(sql);
    if (PQsendQueryParams(conn_, text.c_str(), static_cast<int>(pointers.size()), nullptr,
                          pointers.data(), nullptr, nullptr, 0) != 1)
      return error_from(nullptr, conn_);
    PQsetSingleRowMode(conn_);
    return collect(Clock::now() + limits.timeout, limits.max_rows);
  }

  std::string server_version() override {
    int v = PQserverVersion(conn_);
    const char* full = PQparameterStatus(conn_, "server_version");
    if (full) return full;
    return fmt::format("{}.{}", v / 10000, v % 10000);
  }

  bool healthy() override {
    return PQstatus(conn_) == CONNECTION_OK && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  }

 private:
  static std::string param_text(const nlohmann::json& p) {
    if (p.is_string()) return p.get<std::string>();
    if (p.is_boolean()) return p.get<bool>() ? "true" : "false";
    return p.dump();  // numbers as written; objects and arrays as JSON text
  }

  // Waits until a result is ready or the deadline passes (then cancels once).
  bool wait_ready(Clock::time_point deadline, bool& cancelled) {
    while (PQisBusy(conn_)) {
      auto now = Clock::now();
      int wait_ms = -1;
      if (!cancelled) {
        if (now >= deadline) {
          cancel();
          cancelled = true;
        } else {
          wait_ms = static_cast<int>(
              std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1);
        }
      }
      pollfd pfd{PQsocket(conn_), POLLIN, 0};
      if (pfd.fd < 0) return false;
      int rc = ::poll(&pfd, 1, wait_ms);
      if (rc < 0 && errno != EINTR) return false;
      if (rc > 0 && PQconsumeInput(conn_) != 1) return false;
    }
    return true;
  }

  void cancel() {
    PGcancel* c = PQgetCancel(conn_);
    if (!c) return;
    char err[256];
    PQcancel(c, err, sizeof err);
    PQfreeCancel(c);
  }

  Outcome collect(Clock::time_point deadline, std::uint32_t max_rows) {
    ResultSet rs;
    std::optional<DbError> error;
    bool cancelled = false;
    for (;;) {
      if (!wait_ready(deadline, cancelled)) {
        DbError e = error_from(nullptr, conn_);
        e.connection = true;
        return e;
      }
      PGresult* res = PQgetResult(conn_);
      if (!res) break;
      switch (PQresultStatus(res)) {
        case PGRES_SINGLE_TUPLE:
          if (rs.columns.empty()) describe(res, rs);
          if (rs.rows.size() < max_rows)
            rs.rows.push_back(row(res, rs));
          else
            rs.truncated = true;
          break;
        case PGRES_TUPLES_OK:
          if (rs.columns.empty()) describe(res, rs);
          rs.has_rows = true;
          rs.rows_affected = std::strtoull(PQcmdTuples(res), nullptr, 10);
          break;
        case PGRES_COMMAND_OK:
          rs.rows_affected = std::strtoull(PQcmdTuples(res), nullptr, 10);
          break;
        default:
          if (!error) error = error_from(res, conn_);
          break;
      }
      PQclear(res);
    }
    if (error) {
      if (cancelled && error->sqlstate == "57014") error->timeout = true;
      return *error;
    }
    return rs;
  }

  static void describe(const PGresult* res, ResultSet& rs) {
    int n = PQnfields(res);
    for (int i = 0; i < n; ++i) rs.columns.push_back(describe_column(res, i));
  }

  static std::vector<Cell> row(const PGresult* res, const ResultSet& rs) {
    std::vector<Cell> out;
    out.reserve(rs.columns.size());
    for (int i = 0; i < static_cast<int>(rs.columns.size()); ++i) {
      if (PQgetisnull(res, 0, i)) {
        out.emplace_back(std::nullopt);
        continue;
      }
      const char* v = PQgetvalue(res, 0, i);
      int len = PQgetlength(res, 0, i);
      if (rs.columns[i].kind == ValueKind::binary)
        out.emplace_back(decode_bytea_hex(v, len));
      else
        out.emplace_back(std::string(v, len));
    }
    return out;
  }

  PGconn* conn_;
};

}  // namespace

ConnectOutcome connect_pg(const ConnectTarget& t) {
  std::string port = std::to_string(t.port);
  std::string timeout =
      std::to_string(std::max<long long>(1, (t.connect_timeout.count() + 999) / 1000));
  // Read-only profiles: every transaction of this session is READ ONLY, set
  // in the startup packet (BEGIN READ ONLY would be denied by the profile).
  std::string options = t.read_only ? "-c default_transaction_read_only=on" : "";
  const char* keys[] = {"host",    "port",
                        "user",    "password",
                        "dbname",  "connect_timeout",
                        "options", "application_name",
                        "sslmode", nullptr};
  const char* values[] = {
      t.host.c_str(),     port.c_str(),    t.user.c_str(),  t.password.reveal().c_str(),
      t.database.c_str(), timeout.c_str(), options.c_str(), "sqlwarden-tool",
      "disable",          nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 0);
  if (!conn || PQstatus(conn) != CONNECTION_OK) {
    DbError e;
    e.sqlstate = "08001";
    e.message = conn ? PQerrorMessage(conn) : "out of memory";
    while (!e.message.empty() && e.message.back() == '\n') e.message.pop_back();
    e.connection = true;
    PQfinish(conn);
    return e;
  }
  return std::unique_ptr<DbConnection>(std::make_unique<PgConnection>(conn));
}

}  // namespace sw::tools
