#include "audit/db_table_writer.hpp"

#include <libpq-fe.h>
#include <mysql.h>

#include <string>

#include <fmt/format.h>

namespace sw::audit {

namespace {

std::string insert_head(const AuditDatabaseConfig& c) {
  return fmt::format(
      "INSERT INTO {} (query_hash, query_text, user_context, execution_time, rows_affected, "
      "success, error_message, created_at) VALUES ",
      c.table);
}

Error connect_error(const AuditDatabaseConfig& c, const char* detail) {
  return make_error(Errc::io, fmt::format("audit database sink: cannot connect to {}: {}",
                                          c.backend.to_string(), detail));
}

Error not_connected() {
  return make_error(Errc::io, "audit database sink: not connected");
}

class PgTableWriter final : public TableWriter {
 public:
  explicit PgTableWriter(const AuditDatabaseConfig& c) : config_(c) {}
  ~PgTableWriter() override { close(); }

  bool connected() const override { return conn_ != nullptr; }

  Status connect() override {
    close();
    std::string port = std::to_string(config_.backend.port);
    const char* keys[] = {
        "host", "port", "user", "password", "dbname", "connect_timeout", "application_name",
        nullptr};
    const char* values[] = {config_.backend.host.c_str(),
                            port.c_str(),
                            config_.user.c_str(),
                            config_.password.reveal().c_str(),
                            config_.database.c_str(),
                            "5",
                            "sqlwarden-audit",
                            nullptr};
    conn_ = PQconnectdbParams(keys, values, 0);
    if (PQstatus(conn_) != CONNECTION_OK) {
      Error err = connect_error(config_, PQerrorMessage(conn_));
      close();
      return err;
    }
    return {};
  }

  Status insert(const std::vector<QueryLogRow>& rows) override {
    if (!conn_) return not_connected();
    std::string sql = insert_head(config_);
    // Row counts as text first: params point into this vector, which must not grow after.
    std::vector<std::string> counts;
    counts.reserve(rows.size());
    for (const auto& r : rows)
      counts.push_back(r.rows_affected ? std::to_string(*r.rows_affected) : std::string());
    std::vector<const char*> params;
    params.reserve(rows.size() * 8);
    int n = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const QueryLogRow& r = rows[i];
      sql += fmt::format("{}(${},${},${},${},${},${},${},${})", i ? "," : "", n + 1, n + 2, n + 3,
                         n + 4, n + 5, n + 6, n + 7, n + 8);
      n += 8;
      params.push_back(r.query_hash.c_str());
      params.push_back(r.query_text.c_str());
      params.push_back(r.user_context.c_str());
      params.push_back(r.execution_time.c_str());
      params.push_back(r.rows_affected ? counts[i].c_str() : nullptr);
      params.push_back(r.success ? "true" : "false");
      params.push_back(r.error_message.empty() ? nullptr : r.error_message.c_str());
      params.push_back(r.created_at.c_str());
    }
    PGresult* res =
        PQexecParams(conn_, sql.c_str(), n, nullptr, params.data(), nullptr, nullptr, 0);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    std::string message = ok ? std::string() : PQresultErrorMessage(res);
    PQclear(res);
    if (!ok) {
      if (PQstatus(conn_) != CONNECTION_OK) close();
      return make_error(Errc::io, "audit database sink: insert failed: " + message);
    }
    return {};
  }

 private:
  void close() {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
  }
  AuditDatabaseConfig config_;
  PGconn* conn_ = nullptr;
};

class MyTableWriter final : public TableWriter {
 public:
  explicit MyTableWriter(const AuditDatabaseConfig& c) : config_(c) {}
  ~MyTableWriter() override { close(); }

  bool connected() const override { return conn_ != nullptr; }

  Status connect() override {
    close();
    conn_ = mysql_init(nullptr);
    if (!conn_) return make_error(Errc::internal, "audit database sink: mysql_init failed");
    unsigned timeout = 5;
    mysql_optionsv(conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_optionsv(conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    mysql_optionsv(conn_, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    if (!mysql_real_connect(conn_, config_.backend.host.c_str(), config_.user.c_str(),
                            config_.password.reveal().c_str(), config_.database.c_str(),
                            config_.backend.port, nullptr, 0)) {
      Error err = connect_error(config_, mysql_error(conn_));
      close();
      return err;
    }
    return {};
  }

  Status insert(const std::vector<QueryLogRow>& rows) override {
    if (!conn_) return not_connected();
    std::string sql = insert_head(config_);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const QueryLogRow& r = rows[i];
      sql += i ? ",(" : "(";
      quote(sql, r.query_hash);
      sql += ',';
      quote(sql, r.query_text);
      sql += ',';
      quote(sql, r.user_context);
      sql += ',';
      sql += r.execution_time;
      sql += ',';
      sql += r.rows_affected ? std::to_string(*r.rows_affected) : std::string("NULL");
      sql += r.success ? ",TRUE," : ",FALSE,";
      if (r.error_message.empty())
        sql += "NULL";
      else
        quote(sql, r.error_message);
      sql += ',';
      quote(sql, r.created_at);
      sql += ')';
    }
    if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
      std::string message = mysql_error(conn_);
      unsigned code = mysql_errno(conn_);
      if (code >= 2000) close();  // client-side error: the connection is gone
      return make_error(Errc::io, "audit database sink: insert failed: " + message);
    }
    return {};
  }

 private:
  void quote(std::string& sql, const std::string& value) {
    std::string buf(value.size() * 2 + 1, '\0');
    unsigned long n = mysql_real_escape_string(conn_, buf.data(), value.data(), value.size());
    sql += '\'';
    sql.append(buf.data(), n);
    sql += '\'';
  }
  void close() {
    if (conn_) mysql_close(conn_);
    conn_ = nullptr;
  }
  AuditDatabaseConfig config_;
  MYSQL* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<TableWriter> make_table_writer(const AuditDatabaseConfig& config) {
  if (config.protocol == Protocol::mysql) return std::make_unique<MyTableWriter>(config);
  return std::make_unique<PgTableWriter>(config);
}

}  // namespace sw::audit
