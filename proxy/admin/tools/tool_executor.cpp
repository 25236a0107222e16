#include "proxy/admin/tools/tool_executor.hpp"

#include <chrono>

#include <fmt/format.h>

#include "policy/gate_factory.hpp"
#include "proxy/admin/tools/query_tool.hpp"
#include "proxy/admin/tools/tool_target.hpp"

namespace sw::tools {
namespace {

constexpr std::size_t kMaxQueued = 1024;

// One gate per executor thread (a gate's decision cache is single-threaded),
// rebuilt when the config snapshot changes.
policy::StatementGate& thread_gate(const ConfigPtr& config) {
  thread_local const Config* built_for = nullptr;
  thread_local std::shared_ptr<policy::StatementGate> gate;
  if (!gate || built_for != config.get()) {
    gate = policy::make_worker_gate(config);
    built_for = config.get();
  }
  return *gate;
}

}  // namespace

nlohmann::json tool_error(std::string_view rule, std::string_view message,
                          std::string_view sqlstate) {
  return {{"success", false},
          {"error",
           {{"rule", rule},
            {"message", message},
            {"sqlstate", sqlstate.empty() ? nlohmann::json(nullptr) : nlohmann::json(sqlstate)}}}};
}

std::string dump_json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ToolExecutor::ToolExecutor(ConfigPtr config, ToolsConfig tools)
    : config_(std::move(config)), tools_(std::move(tools)) {
  std::size_t n = tools_.threads;
  for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { worker_loop(); });
}

ToolExecutor::~ToolExecutor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ToolExecutor::set_config(ConfigPtr config, ToolsConfig tools) {
  std::lock_guard lock(mu_);
  config_ = std::move(config);
  tools_ = std::move(tools);
  idle_.clear();
}

ToolExecutor::Snapshot ToolExecutor::snapshot() const {
  std::lock_guard lock(mu_);
  return {config_, tools_};
}

void ToolExecutor::worker_loop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job();
  }
}

void ToolExecutor::submit(ToolScope scope, ToolCall call,
                          std::function<void(nlohmann::json)> done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_ && queue_.size() < kMaxQueued) {
      queue_.emplace_back([this, scope = std::move(scope), call = std::move(call),
                           done = std::move(done)] { done(run(scope, call)); });
      cv_.notify_one();
      return;
    }
  }
  done(tool_error("busy", "the tool executor's queue is full; retry later"));
}

nlohmann::json ToolExecutor::run(const ToolScope& scope, const ToolCall& call) {
  ++calls_;
  try {
    return dispatch(scope, call);
  } catch (const std::exception& e) {
    // nlohmann::json throws on type mismatches in malformed arguments.
    return tool_error("invalid_arguments", e.what());
  }
}

ExecutorStats ToolExecutor::stats() const {
  std::lock_guard lock(mu_);
  ExecutorStats s;
  s.calls = calls_;
  s.connections_opened = opened_;
  for (const auto& [k, v] : idle_) s.idle_connections += v.size();
  s.queued = queue_.size();
  s.threads = threads_.size();
  return s;
}

nlohmann::json ToolExecutor::dispatch(const ToolScope& scope, const ToolCall& call) {
  Snapshot snap = snapshot();
  if (!snap.config) return tool_error("no_config", "the executor has no configuration");
  if (call.name == "query_database") return query_database(snap, scope, call.arguments);
  if (call.name == "get_database_schema") return get_database_schema(snap, scope, call.arguments);
  if (call.name == "test_database_connection") return test_database_connection(snap, scope);
  return tool_error("unknown_tool", fmt::format("no tool named \"{}\"", call.name));
}

ConnectOutcome ToolExecutor::acquire(const ConnectTarget& target, const std::string& key) {
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(key);
    if (it != idle_.end() && !it->second.empty()) {
      auto conn = std::move(it->second.back());
      it->second.pop_back();
      return conn;
    }
  }
  ++opened_;
  return target.engine == Protocol::postgres ? connect_pg(target) : connect_mysql(target);
}

void ToolExecutor::release(const std::string& key, std::unique_ptr<DbConnection> conn,
                           std::size_t keep) {
  std::lock_guard lock(mu_);
  auto& list = idle_[key];
  if (list.size() < keep) list.push_back(std::move(conn));
}

// Borrows a warm connection for one call and gives it back if still clean.
struct ToolExecutor::Lease {
  ToolExecutor& owner;
  std::string key;
  std::size_t keep;
  std::unique_ptr<DbConnection> conn;
  ~Lease() {
    if (conn && conn->healthy()) owner.release(key, std::move(conn), keep);
  }
};

template <class Fn>
nlohmann::json ToolExecutor::with_connection(const Snapshot& snap, const ToolScope& scope,
                                             Fn&& fn) {
  auto resolved = resolve_target(*snap.config, snap.tools, scope);
  if (auto* err = std::get_if<nlohmann::json>(&resolved)) return *err;
  auto& target = std::get<ResolvedTarget>(resolved);
  auto got = acquire(target.connect, target.key);
  if (auto* e = std::get_if<DbError>(&got)) return db_error_json(*e, "");
  Lease lease{*this, target.key, snap.tools.warm_connections,
              std::move(std::get<std::unique_ptr<DbConnection>>(got))};
  return fn(*lease.conn, target);
}

nlohmann::json ToolExecutor::query_database(const Snapshot& snap, const ToolScope& scope,
                                            const nlohmann::json& args) {
  return with_connection(snap, scope, [&](DbConnection& conn, const ResolvedTarget& target) {
    return run_query_tool(conn, target, thread_gate(snap.config), args);
  });
}

nlohmann::json ToolExecutor::get_database_schema(const Snapshot& snap, const ToolScope& scope,
                                                 const nlohmann::json& args) {
  return with_connection(snap, scope, [&](DbConnection& conn, const ResolvedTarget& target) {
    return run_schema_tool(conn, target, args);
  });
}

nlohmann::json ToolExecutor::test_database_connection(const Snapshot& snap,
                                                      const ToolScope& scope) {
  auto resolved = resolve_target(*snap.config, snap.tools, scope);
  if (auto* err = std::get_if<nlohmann::json>(&resolved)) return *err;
  auto& target = std::get<ResolvedTarget>(resolved);
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  auto got = acquire(target.connect, target.key);
  double connect_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  nlohmann::json base = {{"engine", protocol_name(target.connect.engine)},
                         {"tenant", target.tenant},
                         {"host", target.connect.host},
                         {"port", target.connect.port},
                         {"user", target.connect.user},
                         {"database", target.connect.database},
                         {"profile", target.profile}};
  if (auto* e = std::get_if<DbError>(&got)) {
    nlohmann::json err = db_error_json(*e, "");
    err["connected"] = false;
    err.update(base);
    return err;
  }
  Lease lease{*this, target.key, snap.tools.warm_connections,
              std::move(std::get<std::unique_ptr<DbConnection>>(got))};
  auto t1 = Clock::now();
  Outcome ping = lease.conn->run("SELECT 1", nlohmann::json::array(), target.limits);
  double rtt_ms = std::chrono::duration<double, std::milli>(Clock::now() - t1).count();
  if (auto* e = std::get_if<DbError>(&ping)) {
    nlohmann::json err = db_error_json(*e, "");
    err["connected"] = false;
    err.update(base);
    return err;
  }
  ExecutorStats s = stats();
  const TenantConfig* tenant = snap.config->find_tenant(target.tenant);
  nlohmann::json j = base;
  j["success"] = true;
  j["connected"] = true;
  j["server_version"] = lease.conn->server_version();
  j["round_trip_ms"] = rtt_ms;
  j["connect_ms"] = connect_ms;
  j["pool"] = {{"mode", tenant ? pool_mode_name(tenant->pool.mode) : "session"},
               {"size", tenant ? tenant->pool.size : 0},
               {"tool_threads", s.threads},
               {"tool_idle_connections", s.idle_connections},
               {"tool_connections_opened", s.connections_opened},
               {"tool_calls", s.calls},
               {"tool_queued", s.queued}};
  return j;
}

}  // namespace sw::tools
