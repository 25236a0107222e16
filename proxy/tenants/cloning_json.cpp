#include "proxy/tenants/cloning_json.hpp"

#include <cmath>

namespace sw::tenants {

using nlohmann::json;

json clone_json(const TenantRecord& r, bool serving) {
  json j = {{"tenant_id", r.id},
            {"database_type", engine_name(r.engine)},
            {"root_version", r.root_version},
            {"template_database", r.template_db},
            {"database", r.database},
            {"host", r.listen_host},
            {"port", r.port},
            {"user", r.user},
            {"status", state_name(r.state)},
            {"listening", serving},
            {"created_at", r.created_at},
            {"updated_at", r.updated_at}};
  if (!r.last_error.empty()) j["last_error"] = r.last_error;
  return j;
}

json created_json(const Created& c) {
  json clone = clone_json(c.record, true);
  clone["password"] = c.password.reveal();  // this once only
  clone["connection_params"] = {{"host", c.record.listen_host},
                                {"port", c.record.port},
                                {"database", c.record.database},
                                {"user", c.record.user},
                                {"password", c.password.reveal()}};
  return {{"success", true},
          {"message", "tenant " + c.record.id + " created in " + std::to_string(c.elapsed_ms) +
                          " ms; the password is shown only now"},
          {"clone_time_ms", c.elapsed_ms},
          {"clone", clone}};
}

json verify_json(const VerifyReport& v) {
  json checks = json::array();
  std::size_t passed = 0;
  for (const auto& c : v.checks) {
    checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
    if (c.passed) ++passed;
  }
  json failures = json::array();
  for (const auto& c : v.checks)
    if (!c.passed) failures.push_back(c.name + ": " + c.detail);
  return {{"tenant_id", v.tenant_id},
          {"is_verified", v.verified()},
          {"total_tests", v.checks.size()},
          {"passed_tests", passed},
          {"failed_tests", v.checks.size() - passed},
          {"failures", failures},
          {"checks", checks}};
}

namespace {

json engine_usage(const std::vector<TenantRecord>& records, const PortPlan& plan, Engine e) {
  std::size_t active = 0, total = 0;
  for (const auto& r : records) {
    if (r.engine != e) continue;
    ++total;
    if (r.state != TenantState::removed) ++active;
  }
  std::uint32_t capacity = plan.capacity(e);
  double pct = capacity ? 100.0 * static_cast<double>(active) / capacity : 0.0;
  const PortRange& range = plan.range(e);
  return {{"range", {range.first, range.last}},
          {"active", active},
          {"total", total},
          {"capacity", capacity},
          {"utilization_percent", std::round(pct * 10) / 10}};
}

}  // namespace

json ports_json(const std::vector<TenantRecord>& records, const PortPlan& plan) {
  json allocations = json::array();
  std::size_t active = 0;
  for (const auto& r : records) {
    if (r.state == TenantState::removed) continue;
    ++active;
    allocations.push_back({{"port", r.port},
                           {"database_type", engine_name(r.engine)},
                           {"tenant_id", r.id},
                           {"status", state_name(r.state)}});
  }
  return {{"allocations", allocations},
          {"active_allocations", active},
          {"total_allocations", records.size()},
          {"port_ranges",
           {{"mysql", {plan.mysql.first, plan.mysql.last}},
            {"postgresql", {plan.postgresql.first, plan.postgresql.last}}}},
          {"reserved_ports", plan.reserved},
          {"by_type",
           {{"mysql", engine_usage(records, plan, Engine::mysql)},
            {"postgresql", engine_usage(records, plan, Engine::postgresql)}}}};
}

json system_status_json(const std::vector<TenantRecord>& records, const CloningConfig& config,
                        std::size_t serving) {
  std::size_t total = 0, active = 0, stopped = 0, failed = 0, removed = 0;
  for (const auto& r : records) {
    if (r.state == TenantState::removed) {
      ++removed;
      if (!r.last_error.empty()) ++failed;
      continue;
    }
    ++total;
    if (r.state == TenantState::active) ++active;
    if (r.state == TenantState::stopped) ++stopped;
    if (r.state == TenantState::creating && !r.last_error.empty()) ++failed;
  }
  json templates = json::array();
  for (const auto& t : config.templates)
    templates.push_back({{"database_type", engine_name(t.engine)},
                         {"version", t.version},
                         {"database", t.database}});
  json ports = ports_json(records, config.ports);
  return {{"total_clones", total},
          {"active_clones", active},
          {"stopped_clones", stopped},
          {"failed_clones", failed},
          {"removed_clones", removed},
          {"listening", serving},
          {"port_allocations",
           {{"active_allocations", ports["active_allocations"]},
            {"total_allocations", ports["total_allocations"]},
            {"by_type", ports["by_type"]}}},
          {"templates", templates}};
}

}  // namespace sw::tenants
