// PostgreSQL clones: CREATE DATABASE … TEMPLATE, a LOGIN role per tenant
// (created from a SCRAM verifier computed here, so the password never
// reaches the server's statement log), privileges on its own database only.
#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "proxy/pg/auth/crypto.hpp"
#include "proxy/pg/auth/scram.hpp"
#include "proxy/tenants/clone_engine.hpp"

namespace sw::tenants {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kObjectInUse = "55006";

BackendLogin on(BackendLogin login, std::string db) {
  login.database = std::move(db);
  return login;
}

Status step(BackendLink& link, const std::string& sql, const char* what) {
  if (auto r = link.exec(sql); !r)
    return make_error(Errc::io, fmt::format("{}: {}", what, r.error().message));
  return {};
}

class PgEngine final : public CloneEngine {
 public:
  Status create(const CloneJob& job) override {
    const TenantRecord& r = *job.record;
    auto link = connect_pg(on(job.admin, "postgres"));
    if (!link) return link.error();
    BackendLink& db = **link;
    auto salt = pg::auth::random_bytes(16);
    std::string verifier =
        pg::auth::ScramVerifier::from_password(job.password.reveal(), salt).to_string();
    if (auto s = step(db,
                      fmt::format("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                  "NOINHERIT NOREPLICATION CONNECTION LIMIT -1 PASSWORD {}",
                                  db.ident(r.user), db.literal(verifier)),
                      "create role");
        !s)
      return s;
    if (auto s = create_database(db, job); !s) return s;
    if (auto s =
            step(db, fmt::format("REVOKE ALL ON DATABASE {} FROM PUBLIC", db.ident(r.database)),
                 "revoke from PUBLIC");
        !s)
      return s;
    if (auto s = step(db,
                      fmt::format("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}",
                                  db.ident(r.database), db.ident(r.user)),
                      "grant connect");
        !s)
      return s;
    return grant_inside(job);
  }

  Status drop(const BackendLogin& admin, const TenantRecord& r, bool missing_ok) override {
    auto link = connect_pg(on(admin, "postgres"));
    if (!link) return link.error();
    BackendLink& db = **link;
    // FORCE: the tenant's pooled server connections go with it.
    auto dropped = db.exec(fmt::format("DROP DATABASE {} {} WITH (FORCE)",
                                       missing_ok ? "IF EXISTS" : "", db.ident(r.database)));
    if (!dropped) return make_error(Errc::io, "drop database: " + dropped.error().message);
    // Privileges granted on other databases (by hand) keep a role alive:
    // revoke them first, then drop.
    auto held = db.query(fmt::format(
        "SELECT datname FROM pg_database d WHERE EXISTS (SELECT 1 FROM aclexplode(d.datacl) a "
        "WHERE a.grantee = (SELECT oid FROM pg_roles WHERE rolname = {}))",
        db.literal(r.user)));
    if (held)
      for (const auto& row : *held)
        if (row[0])
          (void)db.exec(fmt::format("REVOKE ALL ON DATABASE {} FROM {}", db.ident(*row[0]),
                                    db.ident(r.user)));
    auto role =
        db.exec(fmt::format("DROP ROLE {} {}", missing_ok ? "IF EXISTS" : "", db.ident(r.user)));
    if (!role) return make_error(Errc::io, "drop role: " + role.error().message);
    return {};
  }

  Result<bool> database_exists(const BackendLogin& admin, const std::string& name) override {
    auto link = connect_pg(on(admin, "postgres"));
    if (!link) return link.error();
    auto rows =
        (*link)->query("SELECT 1 FROM pg_database WHERE datname = " + (*link)->literal(name));
    if (!rows) return rows.error();
    return !rows->empty();
  }

  std::vector<Check> grant_checks(const BackendLogin& admin, const TenantRecord& r,
                                  const std::vector<std::string>& others) override {
    std::vector<Check> out;
    auto link = connect_pg(on(admin, "postgres"));
    if (!link) return {{"backend_grants", false, link.error().message}};
    BackendLink& db = **link;
    auto role = db.query(fmt::format(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles "
        "WHERE rolname = {}",
        db.literal(r.user)));
    if (!role || role->empty())
      return {{"backend_role", false, "role " + r.user + " does not exist on the backend"}};
    const Row& f = role->front();
    bool powerless = true;
    for (const auto& v : f) powerless = powerless && v && *v == "f";
    out.push_back({"backend_role_privileges", powerless,
                   powerless ? "no SUPERUSER, CREATEDB, CREATEROLE, REPLICATION or BYPASSRLS"
                             : "role " + r.user + " has server-wide privileges"});
    auto own = db.query(fmt::format("SELECT has_database_privilege({}, {}, 'CONNECT')",
                                    db.literal(r.user), db.literal(r.database)));
    bool own_ok = own && !own->empty() && own->front()[0] == std::optional<std::string>("t");
    out.push_back({"backend_own_database", own_ok,
                   own_ok ? "CONNECT on " + r.database : "no CONNECT on its own " + r.database});
    // Privileges granted to the role itself (not through PUBLIC) on any
    // other database, and CONNECT on other tenants' databases however it
    // comes.
    std::vector<std::string> leaks;
    auto explicit_grants = db.query(fmt::format(
        "SELECT d.datname, string_agg(a.privilege_type, ', ' ORDER BY a.privilege_type) FROM "
        "pg_database d, aclexplode(d.datacl) a WHERE a.grantee = (SELECT oid FROM pg_roles WHERE "
        "rolname = {}) AND d.datname <> {} GROUP BY d.datname ORDER BY 1",
        db.literal(r.user), db.literal(r.database)));
    if (!explicit_grants) return {{"backend_grants", false, explicit_grants.error().message}};
    for (const auto& row : *explicit_grants)
      leaks.push_back(fmt::format("{} on database {} granted to {}", row[1].value_or("?"),
                                  row[0].value_or("?"), r.user));
    for (const auto& other : others) {
      auto can = db.query(fmt::format(
          "SELECT has_database_privilege({}, datname, 'CONNECT') FROM pg_database WHERE datname = "
          "{}",
          db.literal(r.user), db.literal(other)));
      if (can && !can->empty() && can->front()[0] == std::optional<std::string>("t") &&
          other.rfind("tenant_", 0) == 0)
        leaks.push_back(fmt::format("{} can CONNECT to database {}", r.user, other));
    }
    std::string detail;
    for (const auto& l : leaks) detail += (detail.empty() ? "" : "; ") + l;
    out.push_back({"backend_no_foreign_grants", leaks.empty(),
                   leaks.empty() ? "no privileges on other databases" : detail});
    return out;
  }

  Result<std::vector<std::string>> fingerprint(const BackendLogin& admin,
                                               const std::string& name) override {
    auto link = connect_pg(on(admin, name));
    if (!link) return link.error();
    BackendLink& db = **link;
    auto tables = db.query(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', "
        "'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND c.relkind IN "
        "('r','v','m','S','i','p') ORDER BY 1");
    if (!tables) return tables.error();
    std::vector<std::string> out;
    for (const auto& row : *tables) {
      out.push_back(row[0].value_or("?") + " (" + row[1].value_or("?") + ")");
      if (row[1] == std::optional<std::string>("r")) {
        auto n = db.query("SELECT count(*) FROM " + *row[0]);
        out.push_back(std::string(kRowsPrefix) + *row[0] + ": " +
                      (n && !n->empty() ? n->front()[0].value_or("?") : std::string("?")));
      }
    }
    return out;
  }

 private:
  // CREATE DATABASE needs the template to have no other connections: the
  // proxy's own idle pool connections count. On "being accessed by other
  // users" the template's pools are paused and their idle connections
  // closed (quiesce_template), then the statement is retried with backoff
  // until the timeout.
  Status create_database(BackendLink& db, const CloneJob& job) {
    const TenantRecord& r = *job.record;
    std::string sql = fmt::format("CREATE DATABASE {} TEMPLATE {}", db.ident(r.database),
                                  db.ident(job.tpl->database));
    auto deadline = Clock::now() + job.timeout;
    std::function<void()> resume;
    auto backoff = std::chrono::milliseconds(50);
    Status result;
    for (;;) {
      auto made = db.exec(sql);
      if (made) break;
      if (db.last_error().sqlstate != kObjectInUse) {
        result = make_error(Errc::io, "create database: " + made.error().message);
        break;
      }
      if (Clock::now() >= deadline) {
        result = make_error(
            Errc::timeout,
            fmt::format("create database: template {} stayed in use by other sessions for {} ms "
                        "(close the sessions connected to it, or raise cloning.clone_timeout_ms)",
                        job.tpl->database, job.timeout.count()));
        break;
      }
      if (!resume && job.quiesce_template) resume = job.quiesce_template();
      // Idle sessions the pools no longer lend are ours to close; sessions
      // inside a transaction are left to finish.
      // One by one: a session of a role we may not signal fails alone
      // (the admin role needs pg_signal_backend, docs/tenants.md).
      auto idle = db.query(fmt::format(
          "SELECT pid FROM pg_stat_activity WHERE datname = {} AND pid <> pg_backend_pid() AND "
          "state = 'idle'",
          db.literal(job.tpl->database)));
      if (idle)
        for (const auto& row : *idle)
          if (row[0]) (void)db.exec("SELECT pg_terminate_backend(" + *row[0] + ")");
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
    if (resume) resume();
    return result;
  }

  Status grant_inside(const CloneJob& job) {
    const TenantRecord& r = *job.record;
    auto link = connect_pg(on(job.admin, r.database));
    if (!link) return link.error();
    BackendLink& db = **link;
    auto schemas = db.query(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', "
        "'information_schema') AND nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%'");
    if (!schemas) return make_error(Errc::io, "list schemas: " + schemas.error().message);
    std::string role = db.ident(r.user);
    for (const auto& row : *schemas) {
      if (!row[0]) continue;
      std::string s = db.ident(*row[0]);
      for (const std::string& sql :
           {fmt::format("GRANT USAGE, CREATE ON SCHEMA {} TO {}", s, role),
            fmt::format("GRANT ALL ON ALL TABLES IN SCHEMA {} TO {}", s, role),
            fmt::format("GRANT ALL ON ALL SEQUENCES IN SCHEMA {} TO {}", s, role),
            fmt::format("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {} TO {}", s, role)})
        if (auto done = step(db, sql, "grant"); !done) return done;
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<CloneEngine> make_pg_engine() {
  return std::make_unique<PgEngine>();
}

}  // namespace sw::tenants
