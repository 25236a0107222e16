#pragma once
// Runs the AI tools (query_database, get_database_schema,
// test_database_connection) as a client of sqlwarden itself: each call logs
// in to the tenant's own listener as the configured tool user, so the gate,
// pool and audit apply by construction. Calls run on a small bounded thread
// pool of its own (never on the proxy's workers) and reuse a few warm
// connections per (tenant, engine, user).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/admin/tools/db_connection.hpp"
#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/config.hpp"

namespace sw::tools {

// Where a call goes: the token's tenant scope, and an optional engine
// ("mysql" | "postgres") when the tenant has both listeners.
struct ToolScope {
  std::string tenant;  // empty = the first configured tenant
  std::string engine;  // empty = [tools].engine, else mysql when the tenant has it
  std::string caller;  // token name, for logs
};

struct ToolCall {
  std::string name;
  nlohmann::json arguments = nlohmann::json::object();
};

struct ExecutorStats {
  std::uint64_t calls = 0;
  std::uint64_t connections_opened = 0;
  std::size_t idle_connections = 0;
  std::size_t queued = 0;
  std::size_t threads = 0;
};

class ToolExecutor {
 public:
  ToolExecutor(ConfigPtr config, ToolsConfig tools);
  ~ToolExecutor();
  ToolExecutor(const ToolExecutor&) = delete;
  ToolExecutor& operator=(const ToolExecutor&) = delete;

  // A reload: new calls use the new snapshot; warm connections are dropped.
  void set_config(ConfigPtr config, ToolsConfig tools);

  // Queues the call; `done` runs on an executor thread with the tool's JSON
  // result (a structured {"success": false, "error": {...}} on failure).
  // When the queue is full, `done` runs at once with a "busy" error.
  void submit(ToolScope scope, ToolCall call, std::function<void(nlohmann::json)> done);

  // Runs the call on the calling thread (the shell, tests).
  nlohmann::json run(const ToolScope& scope, const ToolCall& call);

  ExecutorStats stats() const;

 private:
  struct Lease;
  nlohmann::json dispatch(const ToolScope& scope, const ToolCall& call);
  // The config snapshot and the [tools] values a call runs with.
  struct Snapshot {
    ConfigPtr config;
    ToolsConfig tools;
  };
  nlohmann::json query_database(const Snapshot& snap, const ToolScope& scope,
                                const nlohmann::json& args);
  nlohmann::json get_database_schema(const Snapshot& snap, const ToolScope& scope,
                                     const nlohmann::json& args);
  nlohmann::json test_database_connection(const Snapshot& snap, const ToolScope& scope);

  // Resolves the target, borrows a connection and runs fn(conn, target).
  template <class Fn>
  nlohmann::json with_connection(const Snapshot& snap, const ToolScope& scope, Fn&& fn);
  ConnectOutcome acquire(const ConnectTarget& target, const std::string& key);
  void release(const std::string& key, std::unique_ptr<DbConnection> conn, std::size_t keep);
  Snapshot snapshot() const;
  void worker_loop();

  mutable std::mutex mu_;
  ConfigPtr config_;
  ToolsConfig tools_;
  std::map<std::string, std::vector<std::unique_ptr<DbConnection>>> idle_;
  std::deque<std::function<void()>> queue_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> opened_{0};
};

// {"success": false, "error": {"rule", "message", "sqlstate"}}
nlohmann::json tool_error(std::string_view rule, std::string_view message,
                          std::string_view sqlstate = "");

// JSON text that never throws on invalid UTF-8 (replaced by U+FFFD).
std::string dump_json(const nlohmann::json& j);

}  // namespace sw::tools
