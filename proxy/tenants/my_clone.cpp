// MySQL/MariaDB clones: a consistent copy of the template database on the
// same server (tables with their indexes and constraints from SHOW CREATE
// TABLE, data by INSERT … SELECT across databases, then views, routines,
// triggers and events), an account per tenant created from its
// mysql_native_password hash (the password never reaches the server's
// logs), and privileges on its own database only.
#include <openssl/sha.h>

#include <fmt/format.h>

#include "proxy/tenants/clone_engine.hpp"

namespace sw::tenants {
namespace {

BackendLogin on(BackendLogin login, std::string db) {
  login.database = std::move(db);
  return login;
}

// "*" + upper-case hex SHA1(SHA1(password)): what mysql.user stores.
std::string native_hash(const std::string& password) {
  unsigned char once[SHA_DIGEST_LENGTH], twice[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), once);
  SHA1(once, sizeof once, twice);
  std::string out = "*";
  for (unsigned char b : twice) out += fmt::format("{:02X}", b);
  return out;
}

// Object definitions SHOW CREATE prints qualify names with the template's
// database (views do): point them at the clone.
std::string requalify(std::string text, const std::string& from, const std::string& to) {
  std::string a = "`" + from + "`.", b = "`" + to + "`.";
  for (std::size_t pos = 0; (pos = text.find(a, pos)) != std::string::npos; pos += b.size())
    text.replace(pos, a.size(), b);
  return text;
}

std::string account(BackendLink& db, const std::string& user) {
  return db.literal(user) + "@'%'";
}

Status fail(const char* what, const std::string& name, const Error& e) {
  return make_error(Errc::io, fmt::format("{} {}: {}", what, name, e.message));
}

class MyEngine final : public CloneEngine {
 public:
  Status create(const CloneJob& job) override {
    const TenantRecord& r = *job.record;
    const std::string& tpl = job.tpl->database;
    auto link = connect_mysql(on(job.admin, ""));
    if (!link) return link.error();
    BackendLink& db = **link;
    auto charset = db.query(
        "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
        "information_schema.SCHEMATA "
        "WHERE SCHEMA_NAME = " +
        db.literal(tpl));
    if (!charset) return fail("read template", tpl, charset.error());
    if (charset->empty())
      return make_error(Errc::not_found, "template database " + tpl + " does not exist");
    const Row& cs = charset->front();
    if (auto s = db.exec(fmt::format("CREATE DATABASE {} CHARACTER SET {} COLLATE {}",
                                     db.ident(r.database), cs[0].value_or("utf8mb4"),
                                     cs[1].value_or("utf8mb4_general_ci")));
        !s)
      return fail("create database", r.database, s.error());
    if (auto s =
            db.exec(fmt::format("CREATE USER {} IDENTIFIED BY PASSWORD {}", account(db, r.user),
                                db.literal(native_hash(job.password.reveal()))));
        !s)
      return fail("create user", r.user, s.error());
    if (auto s = copy(db, tpl, r.database); !s) return s;
    if (auto s = db.exec(fmt::format("GRANT ALL PRIVILEGES ON {}.* TO {}", db.ident(r.database),
                                     account(db, r.user)));
        !s)
      return fail("grant on", r.database, s.error());
    return {};
  }

  Status drop(const BackendLogin& admin, const TenantRecord& r, bool missing_ok) override {
    auto link = connect_mysql(on(admin, ""));
    if (!link) return link.error();
    BackendLink& db = **link;
    if (auto s = db.exec(fmt::format("DROP DATABASE {}{}", missing_ok ? "IF EXISTS " : "",
                                     db.ident(r.database)));
        !s)
      return fail("drop database", r.database, s.error());
    // Sessions of the account outlive DROP USER on MySQL: end them (the
    // proxy's pooled connections of the tenant included).
    auto sessions = db.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = " +
                             db.literal(r.user));
    if (sessions)
      for (const auto& row : *sessions)
        if (row[0]) (void)db.exec("KILL " + *row[0]);
    if (auto s = db.exec(
            fmt::format("DROP USER {}{}", missing_ok ? "IF EXISTS " : "", account(db, r.user)));
        !s)
      return fail("drop user", r.user, s.error());
    return {};
  }

  Result<bool> database_exists(const BackendLogin& admin, const std::string& name) override {
    auto link = connect_mysql(on(admin, ""));
    if (!link) return link.error();
    auto rows = (*link)->query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                               (*link)->literal(name));
    if (!rows) return rows.error();
    return !rows->empty();
  }

  std::vector<Check> grant_checks(const BackendLogin& admin, const TenantRecord& r,
                                  const std::vector<std::string>&) override {
    auto link = connect_mysql(on(admin, ""));
    if (!link) return {{"backend_grants", false, link.error().message}};
    BackendLink& db = **link;
    auto grants = db.query("SHOW GRANTS FOR " + account(db, r.user));
    if (!grants)
      return {{"backend_account", false, "account " + r.user + ": " + grants.error().message}};
    // Allowed: USAGE on *.* (the login itself, with its password hash) and
    // ALL on its own database. Anything else is named in the report.
    std::string own = "ON " + db.ident(r.database) + ".* TO";
    bool own_found = false;
    std::vector<std::string> leaks;
    for (const auto& row : *grants) {
      std::string g = row.empty() ? "" : row[0].value_or("");
      if (g.rfind("GRANT USAGE ON *.* TO", 0) == 0) continue;
      if (g.rfind("GRANT ALL PRIVILEGES " + own, 0) == 0) {
        own_found = true;
        continue;
      }
      auto cut = g.find(" IDENTIFIED BY");
      leaks.push_back(g.substr(0, cut));
    }
    std::vector<Check> out;
    out.push_back(
        {"backend_own_database", own_found,
         own_found ? "ALL PRIVILEGES on " + r.database : "no privileges on its own " + r.database});
    std::string detail;
    for (const auto& l : leaks) detail += (detail.empty() ? "" : "; ") + l;
    out.push_back(
        {"backend_no_foreign_grants", leaks.empty(),
         leaks.empty() ? "no privileges beyond its own database" : "unexpected grant: " + detail});
    return out;
  }

  Result<std::vector<std::string>> fingerprint(const BackendLogin& admin,
                                               const std::string& name) override {
    auto link = connect_mysql(on(admin, ""));
    if (!link) return link.error();
    BackendLink& db = **link;
    std::vector<std::string> out;
    auto tables = db.query(
        "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
        db.literal(name) + " ORDER BY TABLE_NAME");
    if (!tables) return tables.error();
    for (const auto& row : *tables) {
      std::string t = row[0].value_or("?");
      std::string line = t + " (" + row[1].value_or("?") + ")";
      if (row[1] == std::optional<std::string>("BASE TABLE")) {
        auto n = db.query(fmt::format("SELECT COUNT(*) FROM {}.{}", db.ident(name), db.ident(t)));
        out.push_back(std::string(kRowsPrefix) + t + ": " +
                      (n && !n->empty() ? n->front()[0].value_or("?") : std::string("?")));
        auto idx = db.query(fmt::format(
            "SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS WHERE "
            "TABLE_SCHEMA = {} AND TABLE_NAME = {}",
            db.literal(name), db.literal(t)));
        if (idx && !idx->empty()) line += ", indexes " + idx->front()[0].value_or("?");
      }
      out.push_back(std::move(line));
    }
    for (const auto& [what, sql] :
         {std::pair<const char*, const char*>{"routines",
                                              "SELECT COUNT(*) FROM information_schema.ROUTINES "
                                              "WHERE ROUTINE_SCHEMA = "},
          {"triggers", "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "},
          {"events", "SELECT COUNT(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = "}}) {
      auto n = db.query(sql + db.literal(name));
      out.push_back(std::string(what) + ": " +
                    (n && !n->empty() ? n->front()[0].value_or("?") : std::string("?")));
    }
    return out;
  }

 private:
  // Tables first (no triggers yet, foreign keys unchecked), then data, then
  // views (retried until their dependencies exist), routines, triggers and
  // events. READ COMMITTED: the copy reads without locking the template's
  // rows, so writers of the template are not blocked by it.
  Status copy(BackendLink& db, const std::string& tpl, const std::string& clone) {
    for (const char* setup : {"SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                              "SET SESSION FOREIGN_KEY_CHECKS = 0", "SET SESSION UNIQUE_CHECKS = 0",
                              "SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'"})
      if (auto s = db.exec(setup); !s) return fail("session setup", setup, s.error());
    if (auto s = db.exec("USE " + db.ident(clone)); !s) return fail("use", clone, s.error());
    auto tables = db.query(
        fmt::format("SHOW FULL TABLES FROM {} WHERE Table_type = 'BASE TABLE'", db.ident(tpl)));
    if (!tables) return fail("list tables of", tpl, tables.error());
    for (const auto& row : *tables) {
      const std::string t = row[0].value_or("");
      auto ddl = db.query(fmt::format("SHOW CREATE TABLE {}.{}", db.ident(tpl), db.ident(t)));
      if (!ddl || ddl->empty() || ddl->front().size() < 2)
        return fail("show create table", t, ddl ? Error{Errc::io, "no row"} : ddl.error());
      if (auto s = db.exec(requalify(ddl->front()[1].value_or(""), tpl, clone)); !s)
        return fail("create table", t, s.error());
      if (auto s = copy_rows(db, tpl, clone, t); !s) return s;
    }
    if (auto s = copy_views(db, tpl, clone); !s) return s;
    struct Kind {
      const char* list;
      const char* show;
      std::size_t column;  // of the CREATE text in SHOW CREATE's row
    };
    for (const Kind& k : {Kind{"SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE "
                               "ROUTINE_TYPE = 'PROCEDURE' AND ROUTINE_SCHEMA = ",
                               "SHOW CREATE PROCEDURE", 2},
                          Kind{"SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE "
                               "ROUTINE_TYPE = 'FUNCTION' AND ROUTINE_SCHEMA = ",
                               "SHOW CREATE FUNCTION", 2},
                          Kind{"SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE "
                               "TRIGGER_SCHEMA = ",
                               "SHOW CREATE TRIGGER", 2},
                          Kind{"SELECT EVENT_NAME FROM information_schema.EVENTS WHERE "
                               "EVENT_SCHEMA = ",
                               "SHOW CREATE EVENT", 3}}) {
      auto names = db.query(k.list + db.literal(tpl));
      if (!names) return fail("list", k.show, names.error());
      for (const auto& n : *names) {
        std::string name = n[0].value_or("");
        auto ddl = db.query(fmt::format("{} {}.{}", k.show, db.ident(tpl), db.ident(name)));
        if (!ddl || ddl->empty() || ddl->front().size() <= k.column)
          return fail(k.show, name, ddl ? Error{Errc::io, "no row"} : ddl.error());
        if (auto s = db.exec(requalify(ddl->front()[k.column].value_or(""), tpl, clone)); !s)
          return fail(k.show, name, s.error());
      }
    }
    return {};
  }

  Status copy_rows(BackendLink& db, const std::string& tpl, const std::string& clone,
                   const std::string& table) {
    // Generated columns are computed again in the clone, never inserted.
    auto cols = db.query(fmt::format(
        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = {} AND TABLE_NAME "
        "= {} AND EXTRA NOT LIKE '%GENERATED%' ORDER BY ORDINAL_POSITION",
        db.literal(tpl), db.literal(table)));
    if (!cols) return fail("columns of", table, cols.error());
    std::string list;
    for (const auto& c : *cols) list += (list.empty() ? "" : ", ") + db.ident(c[0].value_or(""));
    if (list.empty()) return {};
    if (auto s = db.exec(fmt::format("INSERT INTO {}.{} ({}) SELECT {} FROM {}.{}", db.ident(clone),
                                     db.ident(table), list, list, db.ident(tpl), db.ident(table)));
        !s)
      return fail("copy rows of", table, s.error());
    return {};
  }

  Status copy_views(BackendLink& db, const std::string& tpl, const std::string& clone) {
    auto views =
        db.query(fmt::format("SHOW FULL TABLES FROM {} WHERE Table_type = 'VIEW'", db.ident(tpl)));
    if (!views) return fail("list views of", tpl, views.error());
    std::vector<std::string> pending;
    for (const auto& v : *views) pending.push_back(v[0].value_or(""));
    // A view over another view needs that one first: retry in rounds.
    while (!pending.empty()) {
      std::vector<std::string> failed;
      Error last;
      for (const auto& v : pending) {
        auto ddl = db.query(fmt::format("SHOW CREATE VIEW {}.{}", db.ident(tpl), db.ident(v)));
        if (!ddl || ddl->empty() || ddl->front().size() < 2)
          return fail("show create view", v, ddl ? Error{Errc::io, "no row"} : ddl.error());
        if (auto s = db.exec(requalify(ddl->front()[1].value_or(""), tpl, clone)); !s) {
          failed.push_back(v);
          last = s.error();
        }
      }
      if (failed.size() == pending.size()) return fail("create view", failed.front(), last);
      pending = std::move(failed);
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<CloneEngine> make_mysql_engine() {
  return std::make_unique<MyEngine>();
}

}  // namespace sw::tenants
