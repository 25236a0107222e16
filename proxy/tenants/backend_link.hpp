#pragma once
// Blocking administrative connections to a backend (libpq, Connector/C),
// used by the clone lifecycle off the proxy's workers. Small on purpose:
// run a statement, read rows as text, know the SQLSTATE of a failure.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/core/secret.hpp"

namespace sw::tenants {

struct BackendLogin {
  Endpoint backend;
  std::string user;
  Secret password;
  std::string database;
  std::chrono::milliseconds connect_timeout{5000};
};

using Row = std::vector<std::optional<std::string>>;

struct SqlError {
  std::string sqlstate;  // PostgreSQL SQLSTATE; MySQL: the error number as text
  std::string message;
};

class BackendLink {
 public:
  virtual ~BackendLink() = default;
  // Runs `sql`; rows of the last result (empty for commands).
  virtual Result<std::vector<Row>> query(const std::string& sql) = 0;
  // The last failure's code (after query() failed).
  virtual const SqlError& last_error() const = 0;
  // `name` quoted as an identifier; `value` as a string literal.
  virtual std::string ident(const std::string& name) const = 0;
  virtual std::string literal(const std::string& value) const = 0;

  // MySQL COM_INIT_DB (mysql_select_db); PostgreSQL has no such command.
  virtual Status select_db(const std::string& name) {
    return make_error(Errc::unsupported, "no COM_INIT_DB on this protocol: " + name);
  }

  Status exec(const std::string& sql) {
    auto r = query(sql);
    if (!r) return r.error();
    return {};
  }
};

Result<std::unique_ptr<BackendLink>> connect_pg(const BackendLogin& login);
Result<std::unique_ptr<BackendLink>> connect_mysql(const BackendLogin& login);

}  // namespace sw::tenants
