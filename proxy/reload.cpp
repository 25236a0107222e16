#include "proxy/reload.hpp"

#include <memory>

#include <spdlog/spdlog.h>

#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/config_loader.hpp"

namespace sw {

namespace {

// What a running process cannot change; the report says so.
void restart_notes(const Config& now, const Config& next, std::vector<std::string>& notes) {
  if (now.server.workers != next.server.workers)
    notes.push_back("server.workers changes after a restart");
  if (now.server.log_format != next.server.log_format)
    notes.push_back("server.log_format changes after a restart");
  if (now.admin.enabled != next.admin.enabled || !(now.admin.listen == next.admin.listen) ||
      now.admin.tls.mode != next.admin.tls.mode ||
      now.admin.tls.cert_file != next.admin.tls.cert_file ||
      now.admin.tls.key_file != next.admin.tls.key_file)
    notes.push_back("admin.enabled, admin.listen and admin.tls change after a restart");
}

}  // namespace

admin::ReloadReport Reloader::reload() {
  std::lock_guard lock(mutex_);
  admin::ReloadReport report;
  auto file = tools::load_config_file(path_);
  auto& load = file.core;
  auto& tools_load = file.tools;
  if (!file.ok()) {
    report.problems = file.problems(path_);
    spdlog::error("reload of {} rejected ({} problem(s)); configuration unchanged", path_,
                  report.problems.size());
    for (const auto& p : report.problems) spdlog::error("  {}", p);
    return report;
  }
  ConfigPtr current = live_.get();
  ConfigPtr file_config = std::make_shared<const Config>(std::move(load.config));
  ConfigPtr next = file_config;
  if (overlay_) {
    auto composed = overlay_(file_config);
    if (!composed) {
      report.problems.push_back(composed.error().message);
      spdlog::error("reload of {} failed: {}; configuration unchanged", path_,
                    composed.error().message);
      return report;
    }
    next = *composed;
  }
  if (auto applied = apply_snapshot(next, tools_load.config); !applied) {
    report.problems.push_back(applied.error().message);
    spdlog::error("reload of {} failed: {}; configuration unchanged", path_,
                  applied.error().message);
    return report;
  }
  file_config_ = file_config;
  tools_config_ = tools_load.config;
  restart_notes(*current, *next, report.notes);
  report.ok = true;
  spdlog::info("configuration reloaded from {} ({} tenant(s), {} user(s))", path_,
               next->tenants.size(), next->users.size());
  for (const auto& n : report.notes) spdlog::warn("reload: {}", n);
  return report;
}

Status Reloader::apply_snapshot(const ConfigPtr& next, const tools::ToolsConfig& tools) {
  if (auto applied = listeners_.apply(next, /*started=*/true); !applied) return applied;
  tracker_.set_max(next->server.max_client_connections);
  if (admin_) admin_->apply(next->admin);
  spdlog::set_level(spdlog::level::from_str(next->server.log_level));
  live_.set(next);
  if (tools_) tools_->set_config(next, tools);
  return {};
}

void Reloader::set_overlay(Overlay overlay, ConfigPtr file_config, tools::ToolsConfig tools) {
  std::lock_guard lock(mutex_);
  overlay_ = std::move(overlay);
  file_config_ = std::move(file_config);
  tools_config_ = std::move(tools);
}

Status Reloader::reapply() {
  std::lock_guard lock(mutex_);
  if (!overlay_ || !file_config_) return {};
  auto composed = overlay_(file_config_);
  if (!composed) return composed.error();
  return apply_snapshot(*composed, tools_config_);
}

}  // namespace sw
