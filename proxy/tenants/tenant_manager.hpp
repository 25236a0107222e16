#pragma once
// The clone lifecycle (seed 003's DatabaseCloner): create, verify, start,
// stop, remove, and what list/status/ports report. Holds the registry and
// the sealed passwords; the listeners follow through `apply` (the runtime
// recomposes the snapshot: overlay.hpp) after every change, with no
// restart. Every public call blocks (backend DDL, libpq/Connector/C):
// call it off the workers (admin::run_blocking).
//
// Concurrency: the registry is guarded by one mutex held only for
// in-memory work and the registry write, never across backend work, so
// creates run in parallel; a port is reserved by the `creating` record
// that holds it, so concurrent creates never share one.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/tenants/clone_engine.hpp"
#include "proxy/tenants/cloning_config.hpp"
#include "proxy/tenants/overlay.hpp"
#include "proxy/tenants/registry.hpp"
#include "proxy/tenants/secret_box.hpp"

namespace sw::tenants {

struct CreateRequest {
  std::string tenant_id;
  std::string db_type;  // mysql | postgresql
  std::string root_version = "v1.0";
};

struct Created {
  TenantRecord record;
  Secret password;  // shown once, in the create answer
  std::int64_t elapsed_ms = 0;
};

struct VerifyReport {
  std::string tenant_id;
  std::vector<Check> checks;
  bool verified() const;
};

// What an operation failed with, mapped to an HTTP status by the routes.
enum class Failure { bad_request, not_found, conflict, unavailable, backend };
struct OpError {
  Failure kind = Failure::backend;
  std::string message;
};
template <class T>
using OpResult = std::variant<T, OpError>;

class TenantManager {
 public:
  // Applies a newly composed snapshot (listeners, live config); the runtime
  // gives Reloader::reapply.
  using Apply = std::function<Status()>;

  TenantManager(CloningConfig config, ConfigPtr file_config);

  // Loads the registry and key, cleans up creates a crash interrupted
  // (backend objects dropped, record marked removed), probes the ports of
  // active tenants. Call once before the first compose().
  Status start();
  void set_apply(Apply apply) { apply_ = std::move(apply); }

  // The file's configuration plus every active tenant (overlay.hpp).
  Result<ConfigPtr> compose(const ConfigPtr& file_config);

  OpResult<Created> create(const CreateRequest& req);
  OpResult<VerifyReport> verify(const std::string& id);
  OpResult<TenantRecord> start_tenant(const std::string& id);
  OpResult<TenantRecord> stop_tenant(const std::string& id);
  OpResult<TenantRecord> remove(const std::string& id, bool force);

  std::vector<TenantRecord> list(bool include_removed) const;
  std::optional<TenantRecord> find(const std::string& id) const;
  // Whether an active tenant's listener is in the running snapshot.
  bool serving(const std::string& id) const;
  const CloningConfig& config() const noexcept { return config_; }

 private:
  Result<BackendLogin> admin_login(Engine e) const;
  CloneEngine& engine(Engine e);
  std::function<std::function<void()>()> quiesce(const TenantRecord& r, const Template& tpl) const;
  Status put(TenantRecord r);  // under mutex_
  Status reapply();
  OpResult<TenantRecord> set_state(const std::string& id, TenantState from, TenantState to);
  // After a stop: the port closed, the tenant's clients closed between
  // statements (or after 10 s).
  void drain(const TenantRecord& r);
  std::vector<std::string> other_databases(const TenantRecord& r) const;

  CloningConfig config_;
  ConfigPtr file_config_;  // for backends, admin user, names taken
  Apply apply_;
  std::unique_ptr<CloneEngine> pg_;
  std::unique_ptr<CloneEngine> my_;
  std::optional<SecretBox> box_;
  mutable std::mutex mutex_;
  std::optional<Registry> registry_;
  std::set<std::string> down_;       // active, but the port was held at start
  std::set<std::string> composing_;  // active tenants in the last composed snapshot
};

}  // namespace sw::tenants
