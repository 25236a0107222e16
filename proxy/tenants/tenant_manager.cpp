#include "proxy/tenants/tenant_manager.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pool/registry.hpp"
#include "proxy/net/session_registry.hpp"
#include "proxy/tenants/port_allocator.hpp"

namespace sw::tenants {
namespace {

using Clock = std::chrono::steady_clock;

OpError fail(Failure kind, std::string message) {
  return OpError{kind, std::move(message)};
}

// Schema lines of a fingerprint (row counts left out).
std::vector<std::string> schema_of(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines)
    if (l.rfind(kRowsPrefix, 0) != 0) out.push_back(l);
  return out;
}

// Lines of `want` missing from `have`, at most a few, for messages.
std::string missing(const std::vector<std::string>& want, const std::vector<std::string>& have) {
  std::string out;
  std::size_t n = 0;
  for (const auto& w : want)
    if (std::find(have.begin(), have.end(), w) == have.end()) {
      if (n++ < 5) out += (out.empty() ? "" : "; ") + w;
    }
  if (n > 5) out += fmt::format(" (and {} more)", n - 5);
  return out;
}

}  // namespace

bool VerifyReport::verified() const {
  return std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.passed; });
}

TenantManager::TenantManager(CloningConfig config, ConfigPtr file_config)
    : config_(std::move(config)),
      file_config_(std::move(file_config)),
      pg_(make_pg_engine()),
      my_(make_mysql_engine()) {}

CloneEngine& TenantManager::engine(Engine e) {
  return e == Engine::postgresql ? *pg_ : *my_;
}

Result<BackendLogin> TenantManager::admin_login(Engine e) const {
  ConfigPtr file;
  {
    std::lock_guard lock(mutex_);
    file = file_config_;
  }
  const TenantConfig* source = source_tenant(*file, config_, e);
  if (!source)
    return make_error(Errc::config, fmt::format("no [[tenants]] entry has a {} backend to clone on",
                                                engine_name(e)));
  const UserConfig* admin = file->find_user(config_.admin_user);
  if (!admin)
    return make_error(Errc::config,
                      "cloning.admin_user \"" + config_.admin_user + "\" has no [[users]] entry");
  const Secret& pw = admin->backend_password.empty() ? admin->password : admin->backend_password;
  if (pw.reveal().rfind("SCRAM-SHA-256$", 0) == 0 || (!pw.empty() && pw.reveal()[0] == '*'))
    return make_error(Errc::config, "cloning.admin_user \"" + config_.admin_user +
                                        "\" needs a plain (backend_)password to log in");
  BackendLogin login;
  const ListenerConfig& l = e == Engine::postgresql ? *source->postgres : *source->mysql;
  login.backend = l.backend;
  login.user = admin->backend_user.empty() ? admin->name : admin->backend_user;
  login.password = pw;
  login.connect_timeout = source->pool.connect_timeout;
  return login;
}

Status TenantManager::start() {
  if (::mkdir(config_.state_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return make_error(Errc::io, "cloning.state_dir: cannot create " + config_.state_dir);
  auto box = SecretBox::open_or_create(config_.state_dir + "/tenants.key");
  if (!box) return box.error();
  box_ = std::move(*box);
  auto reg = Registry::load(config_.state_dir + "/clone_registry.json");
  if (!reg) return reg.error();
  std::vector<TenantRecord> half_made;
  {
    std::lock_guard lock(mutex_);
    registry_ = std::move(*reg);
    for (const auto& [id, r] : registry_->records()) {
      if (r.state == TenantState::creating) half_made.push_back(r);
      if (r.state == TenantState::active && !bind_probe(r.listen_host.c_str(), r.port)) {
        spdlog::error("tenant {}: port {} is held by another process; not listening", id, r.port);
        down_.insert(id);
      }
    }
  }
  // A create the process did not live to finish (seed 003's
  // cleanup_failed_clone): drop whatever it made, free the id and port.
  for (auto& r : half_made) {
    spdlog::warn("tenant {}: create was interrupted; cleaning up {} and {}", r.id, r.database,
                 r.user);
    auto login = admin_login(r.engine);
    Status dropped =
        login ? engine(r.engine).drop(*login, r, /*missing_ok=*/true) : Status(login.error());
    std::lock_guard lock(mutex_);
    r.state = dropped ? TenantState::removed : TenantState::creating;
    r.last_error = dropped ? "create interrupted; cleaned up at start"
                           : "create interrupted; cleanup failed: " + dropped.error().message;
    r.updated_at = utc_now_iso8601();
    if (auto s = put(r); !s) return s;
    if (!dropped) spdlog::error("tenant {}: {}", r.id, r.last_error);
  }
  return {};
}

Status TenantManager::put(TenantRecord r) {
  return registry_->put(std::move(r));
}

Result<ConfigPtr> TenantManager::compose(const ConfigPtr& file_config) {
  std::vector<TenantLogin> logins;
  std::lock_guard lock(mutex_);
  file_config_ = file_config;
  std::set<std::string> composed;
  for (const auto& [id, r] : registry_->records()) {
    if (r.state != TenantState::active || down_.count(id)) continue;
    auto pw = box_->open(r.sealed_password);
    if (!pw) {
      spdlog::error("tenant {}: {}", id, pw.error().message);
      continue;
    }
    logins.push_back({&r, std::move(*pw)});
    composed.insert(id);
  }
  auto out = tenants::compose(*file_config, config_, logins);
  if (!out) return out.error();
  composing_ = std::move(composed);
  return ConfigPtr(std::make_shared<const Config>(std::move(*out)));
}

Status TenantManager::reapply() {
  if (!apply_) return {};
  return apply_();
}

std::function<std::function<void()>()> TenantManager::quiesce(const TenantRecord& r,
                                                              const Template& tpl) const {
  auto login = admin_login(r.engine);
  std::string backend = login ? login->backend.to_string() : "";
  std::string db = tpl.database;
  auto timeout = config_.clone_timeout;
  return [backend, db, timeout]() -> std::function<void()> {
    // PgBouncer's PAUSE on the template's pools: new transactions wait,
    // running ones finish, idle connections become closable.
    std::vector<std::shared_ptr<pool::Budget>> paused;
    for (auto& b : pool::PoolRegistry::instance().budgets())
      if (b->key().database == db && b->key().backend == backend && !b->paused()) {
        b->pause();
        paused.push_back(b);
      }
    auto deadline = Clock::now() + timeout / 2;
    for (;;) {
      std::uint32_t active = 0;
      for (auto& b : paused) active += b->snapshot().servers_active;
      if (active == 0 || Clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!paused.empty())
      spdlog::info("cloning: paused {} pool(s) of template {}", paused.size(), db);
    return [paused] {
      for (auto& b : paused) b->resume();
    };
  };
}

OpResult<Created> TenantManager::create(const CreateRequest& req) {
  auto started = Clock::now();
  if (auto valid = validate_tenant_id(req.tenant_id); !valid)
    return fail(Failure::bad_request, valid.error().message);
  auto e = parse_engine(req.db_type);
  if (!e) return fail(Failure::bad_request, e.error().message);
  const Template* tpl = config_.find_template(*e, req.root_version);
  if (!tpl) {
    std::string known;
    for (const auto& t : config_.templates)
      if (t.engine == *e) known += (known.empty() ? "" : ", ") + t.version;
    return fail(Failure::bad_request,
                fmt::format("root_version: no {} template \"{}\" (known: {})", engine_name(*e),
                            req.root_version, known.empty() ? "none" : known));
  }
  auto admin = admin_login(*e);
  if (!admin) return fail(Failure::unavailable, admin.error().message);
  auto password = generate_password();
  if (!password) return fail(Failure::backend, password.error().message);
  auto sealed = box_->seal(*password);
  if (!sealed) return fail(Failure::backend, sealed.error().message);

  TenantRecord record;
  {
    std::lock_guard lock(mutex_);
    if (name_taken_by_file(*file_config_, req.tenant_id))
      return fail(Failure::conflict,
                  "tenant_id " + req.tenant_id + ": the name is used by the configuration file");
    if (const TenantRecord* old = registry_->find(req.tenant_id);
        old && old->state != TenantState::removed)
      return fail(Failure::conflict, fmt::format("tenant {} already exists ({})", req.tenant_id,
                                                 state_name(old->state)));
    auto in_use = registry_->ports_in_use();
    std::set<std::uint16_t> taken(in_use.begin(), in_use.end());
    auto port = allocate_port(config_.ports, *e, taken, [this](std::uint16_t p) {
      return bind_probe(config_.listen_host.c_str(), p);
    });
    if (!port) return fail(Failure::unavailable, port.error().message);
    record.id = req.tenant_id;
    record.engine = *e;
    record.root_version = tpl->version;
    record.template_db = tpl->database;
    record.database = tenant_database(record.id);
    record.user = tenant_user(record.id);
    record.sealed_password = *sealed;
    record.listen_host = config_.listen_host;
    record.port = *port;
    record.state = TenantState::creating;
    record.created_at = record.updated_at = utc_now_iso8601();
    // Durable before the first backend object exists: a crash from here
    // on is found and cleaned up at the next start.
    if (auto s = put(record); !s) return fail(Failure::backend, s.error().message);
  }
  spdlog::info("tenant {}: creating {} clone {} of {} {} on port {}", record.id, engine_name(*e),
               record.database, tpl->database, tpl->version, record.port);

  auto undo = [&](const std::string& why) -> OpError {
    auto dropped = engine(*e).drop(*admin, record, /*missing_ok=*/true);
    std::lock_guard lock(mutex_);
    record.state = dropped ? TenantState::removed : TenantState::creating;
    record.last_error = why;
    record.updated_at = utc_now_iso8601();
    (void)put(record);
    spdlog::error("tenant {}: create failed: {}{}", record.id, why,
                  dropped ? "" : " (cleanup failed: " + dropped.error().message + ")");
    return fail(Failure::backend, why);
  };

  CloneJob job;
  job.record = &record;
  job.tpl = tpl;
  job.password = *password;
  job.admin = *admin;
  job.timeout = config_.clone_timeout;
  job.quiesce_template = quiesce(record, *tpl);
  if (auto made = engine(*e).create(job); !made) return undo(made.error().message);
  if (*e == Engine::mysql) {
    // A copy, not a file-level clone: prove it has what the template has.
    auto want = engine(*e).fingerprint(*admin, tpl->database);
    auto have = engine(*e).fingerprint(*admin, record.database);
    if (!want || !have)
      return undo("comparing the clone with its template: " +
                  (want ? have.error().message : want.error().message));
    if (schema_of(*want) != schema_of(*have))
      return undo("the clone's schema differs from the template: " +
                  missing(schema_of(*want), schema_of(*have)));
    if (*want != *have)
      spdlog::warn("tenant {}: row counts differ from the template (written during the copy?): {}",
                   record.id, missing(*want, *have));
  }
  {
    std::lock_guard lock(mutex_);
    record.state = TenantState::active;
    record.updated_at = utc_now_iso8601();
    if (auto s = put(record); !s) return undo(s.error().message);
  }
  if (auto applied = reapply(); !applied) return undo("listener: " + applied.error().message);
  Created out{
      record, *password,
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count()};
  spdlog::info("tenant {}: active on {}:{} ({} ms)", record.id, record.listen_host, record.port,
               out.elapsed_ms);
  return out;
}

OpResult<TenantRecord> TenantManager::set_state(const std::string& id, TenantState from,
                                                TenantState to) {
  TenantRecord r;
  {
    std::lock_guard lock(mutex_);
    const TenantRecord* found = registry_->find(id);
    if (!found || found->state == TenantState::removed)
      return fail(Failure::not_found, "no tenant " + id);
    r = *found;
    if (r.state == to && !(to == TenantState::active && down_.count(id))) return r;
    if (r.state != from)
      return fail(Failure::conflict, fmt::format("tenant {} is {}", id, state_name(r.state)));
    if (to == TenantState::active && !bind_probe(r.listen_host.c_str(), r.port))
      return fail(Failure::unavailable, fmt::format("port {} is held by another process", r.port));
    down_.erase(id);
    r.state = to;
    r.last_error.clear();
    r.updated_at = utc_now_iso8601();
    if (auto s = put(r); !s) return fail(Failure::backend, s.error().message);
  }
  if (auto applied = reapply(); !applied) {
    std::lock_guard lock(mutex_);
    r.state = from;
    r.last_error = applied.error().message;
    (void)put(r);
    return fail(Failure::backend, applied.error().message);
  }
  if (to == TenantState::stopped) drain(r);
  return r;
}

void TenantManager::drain(const TenantRecord& r) {
  // Listeners close on their workers: wait until the port is really closed,
  // so "stopped" means no new client gets in.
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (!bind_probe(r.listen_host.c_str(), r.port) && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Then the clients: each is closed between statements; one still running
  // a statement after kDrainTime is closed anyway.
  constexpr auto kDrainTime = std::chrono::seconds(10);
  deadline = Clock::now() + kDrainTime;
  auto& sessions = net::SessionRegistry::instance();
  for (;;) {
    bool force = Clock::now() >= deadline;
    std::size_t left = 0;
    for (const auto& s : sessions.list()) {
      if (s.tenant != r.id) continue;
      if (force || s.state == net::SessionState::idle)
        sessions.kill(s.id);
      else
        ++left;
    }
    if (left == 0 || force) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

OpResult<TenantRecord> TenantManager::start_tenant(const std::string& id) {
  return set_state(id, TenantState::stopped, TenantState::active);
}

OpResult<TenantRecord> TenantManager::stop_tenant(const std::string& id) {
  return set_state(id, TenantState::active, TenantState::stopped);
}

OpResult<TenantRecord> TenantManager::remove(const std::string& id, bool force) {
  std::optional<TenantRecord> current = find(id);
  if (!current || current->state == TenantState::removed)
    return fail(Failure::not_found, "no tenant " + id);
  // A record left `creating` by a cleanup that failed at start may go with
  // --force; otherwise `creating` is a create still running.
  if (current->state == TenantState::creating && (!force || current->last_error.empty()))
    return fail(Failure::conflict, "tenant " + id + " is being created");
  if (current->state == TenantState::active) {
    auto stopped = stop_tenant(id);
    if (auto* err = std::get_if<OpError>(&stopped)) return *err;
  }
  TenantRecord r = *find(id);
  auto admin = admin_login(r.engine);
  if (!admin) return fail(Failure::unavailable, admin.error().message);
  auto dropped = engine(r.engine).drop(*admin, r, force);
  std::lock_guard lock(mutex_);
  if (!dropped) {
    r.last_error = dropped.error().message;
    (void)put(r);
    return fail(Failure::backend,
                dropped.error().message + (force ? "" : " (--force drops what remains)"));
  }
  r.state = TenantState::removed;
  r.last_error.clear();
  r.updated_at = utc_now_iso8601();
  if (auto s = put(r); !s) return fail(Failure::backend, s.error().message);
  return r;
}

std::vector<TenantRecord> TenantManager::list(bool include_removed) const {
  std::lock_guard lock(mutex_);
  std::vector<TenantRecord> out;
  for (const auto& [id, r] : registry_->records())
    if (include_removed || r.state != TenantState::removed) out.push_back(r);
  return out;
}

std::optional<TenantRecord> TenantManager::find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  const TenantRecord* r = registry_->find(id);
  if (!r) return std::nullopt;
  return *r;
}

bool TenantManager::serving(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return composing_.count(id) > 0;
}

std::vector<std::string> TenantManager::other_databases(const TenantRecord& self) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out{self.template_db};
  for (const auto& [id, r] : registry_->records())
    if (id != self.id && r.engine == self.engine && r.state != TenantState::removed)
      out.push_back(r.database);
  return out;
}

}  // namespace sw::tenants
