// The executor's MySQL client: Connector/C to the tenant's sqlwarden
// listener. Statements run as server-side prepared statements
// (COM_STMT_PREPARE / EXECUTE) with the JSON params bound by type, so a
// parameter is never spliced into SQL text. A statement past its timeout is
// killed with KILL QUERY through the proxy; when the tool user's profile
// denies KILL, the connection is shut down instead, which ends the wait.
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <mysql.h>
#include <nlohmann/json.hpp>

#include "proxy/admin/tools/db_connection.hpp"

namespace sw::tools {
namespace {

constexpr unsigned kBinaryCharset = 63;

Column describe_field(const MYSQL_FIELD& f) {
  bool is_unsigned = (f.flags & UNSIGNED_FLAG) != 0;
  bool binary = f.charsetnr == kBinaryCharset;
  std::string u = is_unsigned ? " unsigned" : "";
  ValueKind int_kind = is_unsigned ? ValueKind::unsigned_integer : ValueKind::integer;
  switch (f.type) {
    case MYSQL_TYPE_TINY:
      // TINYINT(1) is how MySQL spells BOOLEAN.
      if (f.length == 1 && !is_unsigned) return {f.name, "tinyint(1)", ValueKind::boolean};
      return {f.name, "tinyint" + u, int_kind};
    case MYSQL_TYPE_SHORT:
      return {f.name, "smallint" + u, int_kind};
    case MYSQL_TYPE_INT24:
      return {f.name, "mediumint" + u, int_kind};
    case MYSQL_TYPE_LONG:
      return {f.name, "int" + u, int_kind};
    case MYSQL_TYPE_LONGLONG:
      return {f.name, "bigint" + u, int_kind};
    case MYSQL_TYPE_YEAR:
      return {f.name, "year", ValueKind::integer};
    case MYSQL_TYPE_FLOAT:
      return {f.name, "float", ValueKind::floating};
    case MYSQL_TYPE_DOUBLE:
      return {f.name, "double", ValueKind::floating};
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
      return {f.name, "decimal", ValueKind::decimal};
    case MYSQL_TYPE_DATE:
      return {f.name, "date", ValueKind::text};
    case MYSQL_TYPE_TIME:
      return {f.name, "time", ValueKind::text};
    case MYSQL_TYPE_DATETIME:
      return {f.name, "datetime", ValueKind::text};
    case MYSQL_TYPE_TIMESTAMP:
      return {f.name, "timestamp", ValueKind::text};
    case MYSQL_TYPE_BIT:
      return {f.name, "bit", ValueKind::binary};
    case MYSQL_TYPE_JSON:
      return {f.name, "json", ValueKind::text};
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
      if (binary) return {f.name, "blob", ValueKind::binary};
      return {f.name, "text", ValueKind::text};
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
      if (binary) return {f.name, "varbinary", ValueKind::binary};
      return {f.name, "varchar", ValueKind::text};
    case MYSQL_TYPE_STRING:
      if (f.flags & ENUM_FLAG) return {f.name, "enum", ValueKind::text};
      if (f.flags & SET_FLAG) return {f.name, "set", ValueKind::text};
      if (binary) return {f.name, "binary", ValueKind::binary};
      return {f.name, "char", ValueKind::text};
    case MYSQL_TYPE_NULL:
      return {f.name, "null", ValueKind::text};
    default:
      return {f.name, fmt::format("type {}", static_cast<int>(f.type)), ValueKind::text};
  }
}

DbError stmt_error(MYSQL_STMT* stmt) {
  DbError e;
  e.sqlstate = mysql_stmt_sqlstate(stmt);
  e.message = mysql_stmt_error(stmt);
  unsigned code = mysql_stmt_errno(stmt);
  e.connection = code == 2006 || code == 2013 || code == 2055;
  return e;
}

// One parameter as a MYSQL_BIND; the storage lives in the caller's vectors.
struct ParamStorage {
  std::vector<std::string> text;
  std::vector<long long> ints;
  std::vector<double> doubles;
  std::vector<char> is_null;
};

std::vector<MYSQL_BIND> bind_params(const nlohmann::json& params, ParamStorage& s) {
  std::size_t n = params.size();
  s.text.resize(n);
  s.ints.resize(n);
  s.doubles.resize(n);
  s.is_null.assign(n, 0);
  std::vector<MYSQL_BIND> binds(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = params[i];
    MYSQL_BIND& b = binds[i];
    std::memset(&b, 0, sizeof b);
    if (p.is_null()) {
      b.buffer_type = MYSQL_TYPE_NULL;
    } else if (p.is_boolean()) {
      s.ints[i] = p.get<bool>() ? 1 : 0;
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &s.ints[i];
    } else if (p.is_number_unsigned() && p.get<std::uint64_t>() > 0x7fffffffffffffffULL) {
      s.ints[i] = static_cast<long long>(p.get<std::uint64_t>());
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &s.ints[i];
      b.is_unsigned = 1;
    } else if (p.is_number_integer()) {
      s.ints[i] = p.get<long long>();
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &s.ints[i];
    } else if (p.is_number_float()) {
      s.doubles[i] = p.get<double>();
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      b.buffer = &s.doubles[i];
    } else {
      s.text[i] = p.is_string() ? p.get<std::string>() : p.dump();
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = s.text[i].data();
      b.buffer_length = s.text[i].size();
    }
  }
  return binds;
}

class MysqlConnection final : public DbConnection {
 public:
  MysqlConnection(MYSQL* m, ConnectTarget target) : m_(m), target_(std::move(target)) {}
  ~MysqlConnection() override { mysql_close(m_); }
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  Outcome run(std::string_view sql, const nlohmann::json& params,
              const QueryLimits& limits) override {
    MYSQL_STMT* stmt = mysql_stmt_init(m_);
    if (!stmt) return DbError{"HY001", "out of memory", false, false};
    Watchdog dog(*this, limits.timeout);
    Outcome out = execute(stmt, sql, params, limits.max_rows);
    bool fired = dog.stop();
    mysql_stmt_close(stmt);
    if (fired) {
      DbError e;
      e.sqlstate = "70100";
      e.message = fmt::format("statement cancelled: it ran longer than the tool timeout ({} ms)",
                              limits.timeout.count());
      e.timeout = true;
      e.connection = broken_;
      return e;
    }
    return out;
  }

  std::string server_version() override { return mysql_get_server_info(m_); }
  bool healthy() override { return !broken_ && mysql_ping(m_) == 0; }

 private:
  // Cancels the running statement when the deadline passes.
  class Watchdog {
   public:
    Watchdog(MysqlConnection& c, std::chrono::milliseconds timeout)
        : thread_([this, &c, timeout] {
            std::unique_lock lock(mu_);
            if (cv_.wait_for(lock, timeout, [this] { return done_; })) return;
            fired_ = true;
            lock.unlock();
            c.kill_running_query();
          }) {}
    bool stop() {
      {
        std::lock_guard lock(mu_);
        done_ = true;
      }
      cv_.notify_all();
      thread_.join();
      return fired_;
    }
    ~Watchdog() {
      if (thread_.joinable()) stop();
    }

   private:
    std::mutex mu_;
    std::condition_variable cv_;
    bool done_ = false;
    bool fired_ = false;
    std::thread thread_;
  };

  void kill_running_query() {
    unsigned long id = mysql_thread_id(m_);
    MYSQL* killer = mysql_init(nullptr);
    unsigned timeout = 5;
    mysql_optionsv(killer, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    bool killed = false;
    if (mysql_real_connect(killer, target_.host.c_str(), target_.user.c_str(),
                           target_.password.reveal().c_str(), nullptr, target_.port, nullptr, 0)) {
      std::string sql = fmt::format("KILL QUERY {}", id);
      killed = mysql_real_query(killer, sql.data(), sql.size()) == 0;
    }
    mysql_close(killer);
    if (!killed) {
      // The profile denies KILL: end the wait by shutting the socket; the
      // proxy then drops the session and its backend work.
      broken_ = true;
      ::shutdown(static_cast<int>(mysql_get_socket(m_)), SHUT_RDWR);
    }
  }

  Outcome execute(MYSQL_STMT* stmt, std::string_view sql, const nlohmann::json& params,
                  std::uint32_t max_rows) {
    if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) return stmt_error(stmt);
    if (mysql_stmt_param_count(stmt) != params.size())
      return DbError{
          "07001",
          fmt::format("the statement has {} parameter marker(s) but {} param(s) were given",
                      mysql_stmt_param_count(stmt), params.size()),
          false, false};
    ParamStorage storage;
    auto binds = bind_params(params, storage);
    if (!binds.empty() && mysql_stmt_bind_param(stmt, binds.data())) return stmt_error(stmt);
    if (mysql_stmt_execute(stmt) != 0) return stmt_error(stmt);

    ResultSet rs;
    MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
    if (!meta) {
      rs.rows_affected = mysql_stmt_affected_rows(stmt);
      my_ulonglong id = mysql_stmt_insert_id(stmt);
      if (id != 0) rs.last_insert_id = id;
      return rs;
    }
    rs.has_rows = true;
    unsigned n = mysql_num_fields(meta);
    MYSQL_FIELD* fields = mysql_fetch_fields(meta);
    for (unsigned i = 0; i < n; ++i) rs.columns.push_back(describe_field(fields[i]));
    mysql_free_result(meta);

    std::vector<std::vector<char>> buffers(n, std::vector<char>(256));
    std::vector<unsigned long> lengths(n);
    std::vector<my_bool> nulls(n);
    std::vector<MYSQL_BIND> out(n);
    for (unsigned i = 0; i < n; ++i) {
      std::memset(&out[i], 0, sizeof out[i]);
      out[i].buffer_type = MYSQL_TYPE_STRING;
      out[i].buffer = buffers[i].data();
      out[i].buffer_length = buffers[i].size();
      out[i].length = &lengths[i];
      out[i].is_null = &nulls[i];
    }
    if (n > 0 && mysql_stmt_bind_result(stmt, out.data())) return stmt_error(stmt);
    for (;;) {
      int rc = mysql_stmt_fetch(stmt);
      if (rc == MYSQL_NO_DATA) break;
      if (rc == 1) return stmt_error(stmt);
      if (rs.rows.size() >= max_rows) {
        rs.truncated = true;
        continue;  // drain the rest so the connection stays usable
      }
      std::vector<Cell> row;
      row.reserve(n);
      for (unsigned i = 0; i < n; ++i) {
        if (nulls[i]) {
          row.emplace_back(std::nullopt);
          continue;
        }
        if (lengths[i] > buffers[i].size()) {  // MYSQL_DATA_TRUNCATED: fetch it whole
          std::string whole(lengths[i], '\0');
          MYSQL_BIND b;
          std::memset(&b, 0, sizeof b);
          b.buffer_type = MYSQL_TYPE_STRING;
          b.buffer = whole.data();
          b.buffer_length = whole.size();
          if (mysql_stmt_fetch_column(stmt, &b, i, 0)) return stmt_error(stmt);
          row.emplace_back(std::move(whole));
        } else {
          row.emplace_back(std::string(buffers[i].data(), lengths[i]));
        }
      }
      rs.rows.push_back(std::move(row));
    }
    rs.rows_affected = rs.rows.size();
    return rs;
  }

  MYSQL* m_;
  ConnectTarget target_;
  bool broken_ = false;
};

}  // namespace

ConnectOutcome connect_mysql(const ConnectTarget& t) {
  MYSQL* m = mysql_init(nullptr);
  if (!m) return DbError{"HY001", "out of memory", false, true};
  unsigned timeout =
      static_cast<unsigned>(std::max<long long>(1, t.connect_timeout.count() / 1000));
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(m, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", "sqlwarden-tool");
  const char* db = t.database.empty() ? nullptr : t.database.c_str();
  if (!mysql_real_connect(m, t.host.c_str(), t.user.c_str(), t.password.reveal().c_str(), db,
                          t.port, nullptr, 0)) {
    DbError e{mysql_sqlstate(m), mysql_error(m), false, true};
    mysql_close(m);
    return e;
  }
  return std::unique_ptr<DbConnection>(std::make_unique<MysqlConnection>(m, t));
}

}  // namespace sw::tools
