// BackendLink over MariaDB Connector/C.
#include <mysql.h>

#include <algorithm>

#include <fmt/format.h>

#include "proxy/tenants/backend_link.hpp"

namespace sw::tenants {
namespace {

class MyLink final : public BackendLink {
 public:
  explicit MyLink(MYSQL* conn) : conn_(conn) {}
  ~MyLink() override { mysql_close(conn_); }

  Result<std::vector<Row>> query(const std::string& sql) override {
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return fail();
    std::vector<Row> rows;
    // Several results (a CALL): the rows of the last one that has any.
    do {
      MYSQL_RES* res = mysql_store_result(conn_);
      if (res) {
        rows.clear();
        unsigned n = mysql_num_fields(res);
        while (MYSQL_ROW r = mysql_fetch_row(res)) {
          unsigned long* lengths = mysql_fetch_lengths(res);
          Row row;
          for (unsigned i = 0; i < n; ++i)
            row.push_back(r[i] ? std::optional<std::string>(std::string(r[i], lengths[i]))
                               : std::nullopt);
          rows.push_back(std::move(row));
        }
        mysql_free_result(res);
      } else if (mysql_field_count(conn_) != 0) {
        return fail();
      }
      int next = mysql_next_result(conn_);
      if (next > 0) return fail();
      if (next < 0) break;
    } while (true);
    return rows;
  }
  const SqlError& last_error() const override { return error_; }
  Status select_db(const std::string& name) override {
    if (mysql_select_db(conn_, name.c_str()) != 0) return fail();
    return {};
  }
  std::string ident(const std::string& name) const override {
    std::string out = "`";
    for (char c : name) {
      if (c == '`') out += '`';
      out += c;
    }
    return out + "`";
  }
  std::string literal(const std::string& value) const override {
    std::string buf(value.size() * 2 + 1, '\0');
    unsigned long n = mysql_real_escape_string(conn_, buf.data(), value.data(), value.size());
    buf.resize(n);
    return "'" + buf + "'";
  }

 private:
  Error fail() {
    error_.sqlstate = std::to_string(mysql_errno(conn_));
    error_.message = mysql_error(conn_);
    return make_error(Errc::io, error_.message);
  }
  MYSQL* conn_;
  SqlError error_;
};

}  // namespace

Result<std::unique_ptr<BackendLink>> connect_mysql(const BackendLogin& login) {
  MYSQL* conn = mysql_init(nullptr);
  if (!conn) return make_error(Errc::internal, "mysql_init failed");
  unsigned timeout = static_cast<unsigned>(std::max<long>(1, login.connect_timeout.count() / 1000));
  mysql_optionsv(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const char* db = login.database.empty() ? nullptr : login.database.c_str();
  if (!mysql_real_connect(conn, login.backend.host.c_str(), login.user.c_str(),
                          login.password.reveal().c_str(), db, login.backend.port, nullptr,
                          CLIENT_MULTI_RESULTS)) {
    std::string why = mysql_error(conn);
    mysql_close(conn);
    return make_error(
        Errc::io, fmt::format("MySQL {} as {}: {}", login.backend.to_string(), login.user, why));
  }
  return std::unique_ptr<BackendLink>(std::make_unique<MyLink>(conn));
}

}  // namespace sw::tenants
