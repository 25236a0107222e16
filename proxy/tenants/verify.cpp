// `verify` (seed 003's CloneVerifier): connect through the tenant's own
// port with its own credentials, try the ways out of its database, write a
// marker row and look for it from the template and from another tenant,
// and read what the backend grants the tenant's account. Every check is
// reported with what it saw.
#include <algorithm>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "proxy/tenants/tenant_manager.hpp"

namespace sw::tenants {
namespace {

constexpr const char* kMarkerTable = "sqlwarden_verify_marker";

std::string random_marker() {
  unsigned char b[8];
  RAND_bytes(b, sizeof b);
  std::string out = "m";
  for (unsigned char c : b) out += fmt::format("{:02x}", c);
  return out;
}

Result<std::unique_ptr<BackendLink>> open_link(Engine e, const BackendLogin& login) {
  return e == Engine::postgresql ? connect_pg(login) : connect_mysql(login);
}

// An escape must fail; the check shows how it was refused.
Check refused(std::string name, const Status& attempt, const std::string& what) {
  if (attempt)
    return {std::move(name), false, what + " succeeded: the tenant can leave its database"};
  return {std::move(name), true, what + " refused: " + attempt.error().message};
}

}  // namespace

OpResult<VerifyReport> TenantManager::verify(const std::string& id) {
  std::optional<TenantRecord> found = find(id);
  if (!found || found->state == TenantState::removed)
    return OpError{Failure::not_found, "no tenant " + id};
  const TenantRecord r = *found;
  VerifyReport report;
  report.tenant_id = id;
  auto& checks = report.checks;
  bool live = r.state == TenantState::active && serving(id);
  checks.push_back({"registry", live,
                    live ? fmt::format("active, listening on {}:{}", r.listen_host, r.port)
                         : fmt::format("state {}{}", state_name(r.state),
                                       r.state == TenantState::active ? ", not listening" : "")});
  auto admin = admin_login(r.engine);
  if (!admin) {
    checks.push_back({"backend_admin", false, admin.error().message});
    return report;
  }
  auto password = box_->open(r.sealed_password);
  if (!password) {
    checks.push_back({"credentials", false, password.error().message});
    return report;
  }
  BackendLogin tenant;
  tenant.backend = Endpoint{r.listen_host, r.port};
  tenant.user = r.user;
  tenant.password = *password;
  tenant.database = r.database;
  const bool pg = r.engine == Engine::postgresql;
  std::unique_ptr<BackendLink> link;
  if (live) {
    auto c = open_link(r.engine, tenant);
    if (!c) {
      checks.push_back({"connection", false, c.error().message});
    } else {
      link = std::move(*c);
      auto db = link->query(pg ? "SELECT current_database()" : "SELECT DATABASE()");
      bool same = db && !db->empty() && db->front()[0] == std::optional<std::string>(r.database);
      checks.push_back({"connection", same,
                        same ? "connected on port " + std::to_string(r.port) + " to " + r.database
                             : "connected, but the session's database is not " + r.database});
    }
  }

  // Schema integrity: everything the template has, the clone has.
  auto want = engine(r.engine).fingerprint(*admin, r.template_db);
  auto have = engine(r.engine).fingerprint(*admin, r.database);
  if (!want || !have) {
    checks.push_back(
        {"schema_integrity", false, want ? have.error().message : want.error().message});
  } else {
    std::string gone;
    std::size_t objects = 0;
    for (const auto& line : *want) {
      if (line.rfind(kRowsPrefix, 0) == 0) continue;
      ++objects;
      if (std::find(have->begin(), have->end(), line) == have->end())
        gone += (gone.empty() ? "" : "; ") + line;
    }
    checks.push_back({"schema_integrity", gone.empty(),
                      gone.empty() ? fmt::format("all {} template objects present", objects)
                                   : "missing from the clone: " + gone});
  }

  if (link) {
    // The ways out, through the proxy, as the tenant.
    BackendLogin other_db = tenant;
    other_db.database = r.template_db;
    auto direct = open_link(r.engine, other_db);
    checks.push_back(refused("connect_other_database", direct ? Status() : Status(direct.error()),
                             "connecting to database " + r.template_db));
    if (pg) {
      checks.push_back(refused("dblink",
                               link->exec("SELECT dblink_connect('dbname=" + r.template_db + "')"),
                               "dblink_connect"));
      checks.push_back(refused(
          "cross_database_reference",
          link->exec(fmt::format("SELECT 1 FROM {}.public.ai_models LIMIT 1", r.template_db)),
          fmt::format("SELECT from {}.public.ai_models", r.template_db)));
    } else {
      checks.push_back(refused("use_other_database",
                               link->exec("USE " + link->ident(r.template_db)),
                               "USE " + r.template_db));
      checks.push_back(
          refused("com_init_db", link->select_db(r.template_db), "COM_INIT_DB " + r.template_db));
      checks.push_back(refused(
          "cross_database_reference",
          link->exec(fmt::format("SELECT COUNT(*) FROM {}.ai_models", link->ident(r.template_db))),
          fmt::format("SELECT from {}.ai_models", r.template_db)));
    }

    // Data isolation: a marker row written here is seen nowhere else.
    std::string marker = random_marker();
    auto written =
        link->exec(fmt::format("CREATE TABLE IF NOT EXISTS {} (marker varchar(64))", kMarkerTable));
    if (written)
      written = link->exec(
          fmt::format("INSERT INTO {} VALUES ({})", kMarkerTable, link->literal(marker)));
    auto seen_here = link->query(fmt::format("SELECT COUNT(*) FROM {} WHERE marker = {}",
                                             kMarkerTable, link->literal(marker)));
    bool wrote = written && seen_here && !seen_here->empty() &&
                 seen_here->front()[0] == std::optional<std::string>("1");
    checks.push_back(
        {"marker_written", wrote,
         wrote ? "marker row written and read back in " + r.database
               : "could not write a marker row: " +
                     (written ? std::string("not read back") : written.error().message)});
    if (wrote) {
      auto look = [&](const BackendLogin& who, const std::string& where) -> Check {
        auto c = open_link(r.engine, who);
        if (!c) return {"marker_invisible_from_" + where, false, c.error().message};
        auto rows = (*c)->query(fmt::format("SELECT COUNT(*) FROM {} WHERE marker = {}",
                                            kMarkerTable, (*c)->literal(marker)));
        // No such table is as good as no such row.
        bool invisible =
            !rows || (rows->size() == 1 && rows->front()[0] == std::optional<std::string>("0"));
        return {"marker_invisible_from_" + where, invisible,
                invisible ? "marker not visible in " + who.database
                          : "marker row of " + r.id + " visible in " + who.database};
      };
      BackendLogin tpl = *admin;
      tpl.database = r.template_db;
      checks.push_back(look(tpl, "template"));
      std::optional<TenantRecord> neighbour;
      for (const auto& other : list(false))
        if (other.id != r.id && other.engine == r.engine && other.state == TenantState::active &&
            serving(other.id)) {
          neighbour = other;
          break;
        }
      if (neighbour) {
        auto pw = box_->open(neighbour->sealed_password);
        if (pw) {
          BackendLogin n;
          n.backend = Endpoint{neighbour->listen_host, neighbour->port};
          n.user = neighbour->user;
          n.password = *pw;
          n.database = neighbour->database;
          Check c = look(n, "other_tenant");
          c.detail += " (tenant " + neighbour->id + ")";
          checks.push_back(std::move(c));
        }
      }
      (void)link->exec(fmt::format("DROP TABLE IF EXISTS {}", kMarkerTable));
    }
  }

  for (auto& c : engine(r.engine).grant_checks(*admin, r, other_databases(r)))
    checks.push_back(std::move(c));
  return report;
}

}  // namespace sw::tenants
