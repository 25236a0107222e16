#pragma once
// What a backend engine does for a tenant clone: create the clone database
// and its dedicated account, drop both, and report what the backend grants
// the account (for `verify`). One implementation per engine (pg_clone.cpp,
// my_clone.cpp); all calls block and run off the proxy's workers.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/core/result.hpp"
#include "proxy/core/secret.hpp"
#include "proxy/tenants/backend_link.hpp"
#include "proxy/tenants/cloning_config.hpp"
#include "proxy/tenants/registry.hpp"

namespace sw::tenants {

inline constexpr std::string_view kRowsPrefix = "rows ";

// One line of a verify report.
struct Check {
  std::string name;
  bool passed = false;
  std::string detail;
};

struct CloneJob {
  const TenantRecord* record = nullptr;
  const Template* tpl = nullptr;
  Secret password;
  BackendLogin admin;  // database: set per step by the engine
  std::chrono::milliseconds timeout{30000};
  // PostgreSQL: the template is in use. Called once, before the retries;
  // returns what undoes it (resumes the template's pools).
  std::function<std::function<void()>()> quiesce_template;
};

class CloneEngine {
 public:
  virtual ~CloneEngine() = default;
  virtual Status create(const CloneJob& job) = 0;
  // Drops the clone database and the account. `missing_ok`: objects already
  // gone are not an error (remove --force, cleanup after a crash).
  virtual Status drop(const BackendLogin& admin, const TenantRecord& record, bool missing_ok) = 0;
  virtual Result<bool> database_exists(const BackendLogin& admin, const std::string& db) = 0;
  // Backend privileges of the tenant's account: its own database usable,
  // nothing on `others` (other tenants' databases and the template), no
  // server-wide power.
  virtual std::vector<Check> grant_checks(const BackendLogin& admin, const TenantRecord& record,
                                          const std::vector<std::string>& others) = 0;
  // A database's objects, one line each ("name (kind)"), and row counts
  // of its tables ("rows name: N"), for comparing a clone with its template.
  virtual Result<std::vector<std::string>> fingerprint(const BackendLogin& admin,
                                                       const std::string& db) = 0;
};

std::unique_ptr<CloneEngine> make_pg_engine();
std::unique_ptr<CloneEngine> make_mysql_engine();

}  // namespace sw::tenants
