#pragma once
// Configuration reload (SIGHUP and POST /api/v1/reload): re-read the file,
// validate it exactly like `config-check`, and only if it is clean swap the
// snapshot and bring listeners, limits and admin tokens in line. A broken
// file changes nothing; the report carries config-check's messages.
#include <functional>
#include <mutex>
#include <string>

#include "proxy/admin/operations.hpp"
#include "proxy/admin/server.hpp"
#include "proxy/admin/tools/tool_executor.hpp"
#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/live_config.hpp"
#include "proxy/listener_set.hpp"
#include "proxy/net/connection_tracker.hpp"

namespace sw {

class Reloader {
 public:
  Reloader(std::string path, LiveConfig& live, ListenerSet& listeners,
           net::ConnectionTracker& tracker, admin::AdminServer* admin,
           tools::ToolExecutor* tools = nullptr)
      : path_(std::move(path)),
        live_(live),
        listeners_(listeners),
        tracker_(tracker),
        admin_(admin),
        tools_(tools) {}

  // Thread-safe; reloads are serialized.
  admin::ReloadReport reload();

  // What the runtime adds to the file's configuration (tenant clones,
  // proxy/tenants/overlay.hpp): every snapshot applied is overlay(file).
  using Overlay = std::function<Result<ConfigPtr>(const ConfigPtr& file_config)>;
  // `file_config` and `tools` are what the process started with.
  void set_overlay(Overlay overlay, ConfigPtr file_config, tools::ToolsConfig tools);
  // Applies overlay(last file configuration) again — a tenant was created,
  // started, stopped or removed — without reading the file.
  Status reapply();

 private:
  // Opens and closes listeners for `next` and makes it the live snapshot.
  Status apply_snapshot(const ConfigPtr& next, const tools::ToolsConfig& tools);

  std::mutex mutex_;
  Overlay overlay_;
  ConfigPtr file_config_;
  tools::ToolsConfig tools_config_;
  std::string path_;
  LiveConfig& live_;
  ListenerSet& listeners_;
  net::ConnectionTracker& tracker_;
  admin::AdminServer* admin_;
  tools::ToolExecutor* tools_;
};

}  // namespace sw
