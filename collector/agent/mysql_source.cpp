// mysql.slow_log through Connector/C (see source.hpp for the window rule).
#include <mysql.h>

#include <cstdlib>
#include <memory>

#include <fmt/format.h>

#include "collector/agent/source.hpp"

namespace sw::collector::agent {

namespace {

using nlohmann::json;

struct MysqlCloser {
  void operator()(MYSQL* m) const noexcept { mysql_close(m); }
};
struct ResultFree {
  void operator()(MYSQL_RES* r) const noexcept { mysql_free_result(r); }
};
using Conn = std::unique_ptr<MYSQL, MysqlCloser>;
using Rows = std::unique_ptr<MYSQL_RES, ResultFree>;

Error failure(MYSQL* m, std::string_view what) {
  return make_error(Errc::io, fmt::format("mysql {}: {}", what, mysql_error(m)));
}

Result<Conn> connect(const DbConfig& db) {
  Conn m(mysql_init(nullptr));
  if (!m) return make_error(Errc::internal, "mysql_init failed");
  unsigned timeout = 10;
  mysql_options(m.get(), MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(m.get(), MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_options(m.get(), MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  mysql_options(m.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(m.get(), db.host.c_str(), db.user.c_str(), db.password.reveal().c_str(),
                          db.database.empty() ? nullptr : db.database.c_str(), db.port, nullptr, 0))
    return failure(m.get(), "connect");
  return m;
}

Result<Rows> query(MYSQL* m, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) return failure(m, "query");
  Rows rows(mysql_store_result(m));
  if (!rows && mysql_field_count(m) != 0) return failure(m, "result");
  return rows;
}

std::string text(MYSQL_ROW row, unsigned long* lengths, int i) {
  return row[i] ? std::string(row[i], lengths[i]) : std::string();
}

class MysqlSource final : public Source {
 public:
  const char* name() const noexcept override { return "mysql.slow_log"; }

  Result<Collection> collect(const DbConfig& db, const json& cursor) override {
    auto conn = connect(db);
    if (!conn) return std::move(conn).error();
    MYSQL* m = conn->get();
    // TIMESTAMP columns and NOW() in UTC, whatever the server's zone.
    if (auto set = query(m, "SET time_zone = '+00:00'"); !set) return std::move(set).error();
    auto now = query(m, "SELECT DATE_FORMAT(NOW(6) - INTERVAL 1 SECOND, '%Y-%m-%d %H:%i:%s.%f')");
    if (!now) return std::move(now).error();
    MYSQL_ROW row = mysql_fetch_row(now->get());
    if (!row || !row[0]) return make_error(Errc::io, "mysql: NOW() returned nothing");
    std::string until = row[0];
    Collection out;
    out.cursor = {{"until", until}};
    if (!cursor.is_object() || !cursor.value("until", json()).is_string()) return out;
    std::string from = cursor["until"].get<std::string>();
    bool plain = !from.empty();
    for (char c : from)
      plain = plain && ((c >= '0' && c <= '9') || c == '-' || c == ' ' || c == ':' || c == '.');
    if (!plain) return make_error(Errc::invalid_argument, "mysql: the stored cursor is not a time");
    if (from >= until) {
      out.cursor = cursor;
      return out;
    }
    std::string sql = fmt::format(
        "SELECT DATE_FORMAT(start_time, '%Y-%m-%d %H:%i:%s.%f'), user_host, "
        "(HOUR(query_time) * 3600 + MINUTE(query_time) * 60 + SECOND(query_time)) * 1000000 + "
        "MICROSECOND(query_time), rows_sent, db, CONVERT(sql_text USING utf8mb4) "
        "FROM mysql.slow_log WHERE ADDTIME(start_time, query_time) > '{}' "
        "AND ADDTIME(start_time, query_time) <= '{}' ORDER BY ADDTIME(start_time, query_time)",
        from, until);  // both bounds are the server's own DATE_FORMAT output, checked above
    auto rows = query(m, sql);
    if (!rows) return std::move(rows).error();
    while ((row = mysql_fetch_row(rows->get()))) {
      unsigned long* len = mysql_fetch_lengths(rows->get());
      std::string start = text(row, len, 0);
      if (start.size() > 10) start[10] = 'T';
      json item = {{"query", text(row, len, 5)},
                   {"user", text(row, len, 1)},
                   {"database", text(row, len, 4)},
                   {"query_time_ms", std::strtod(text(row, len, 2).c_str(), nullptr) / 1000.0},
                   {"rows", std::strtoll(text(row, len, 3).c_str(), nullptr, 10)},
                   {"start_time", start + "Z"}};
      out.queries.push_back(std::move(item));
    }
    return out;
  }
};

}  // namespace

void end_mysql_library() noexcept {
  mysql_library_end();
}

std::unique_ptr<Source> make_mysql_source() {
  return std::make_unique<MysqlSource>();
}

}  // namespace sw::collector::agent
