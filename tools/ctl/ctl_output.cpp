#include "tools/ctl/ctl_output.hpp"

#include <iostream>

#include <fmt/format.h>

namespace sw::ctl {

using nlohmann::json;

bool Output::handled(const ApiReply& r, int& code) {
  code = r.ok() ? 0 : 1;
  if (json_) {
    os_ << (r.status == 0 ? json{{"error", {{"code", "connection"}, {"message", r.error}}}}
                          : r.body)
               .dump(2)
        << "\n";
    return true;
  }
  if (!r.ok()) {
    std::cerr << "❌ " << r.message() << "\n";
    return true;
  }
  return false;
}

void Output::clone_lines(const json& c) {
  os_ << fmt::format("  Tenant:   {}\n", c.value("tenant_id", ""));
  os_ << fmt::format("  Type:     {} (template {} {})\n", c.value("database_type", ""),
                     c.value("template_database", ""), c.value("root_version", ""));
  os_ << fmt::format("  Database: {}\n", c.value("database", ""));
  os_ << fmt::format("  Endpoint: {}:{}\n", c.value("host", ""), c.value("port", 0));
  os_ << fmt::format("  User:     {}\n", c.value("user", ""));
  os_ << fmt::format("  Status:   {}{}\n", c.value("status", ""),
                     c.value("listening", false) ? " (listening)" : "");
  if (c.contains("last_error")) os_ << fmt::format("  Error:    {}\n", c.value("last_error", ""));
}

int Output::created(const ApiReply& r) {
  int code = 0;
  if (handled(r, code)) return code;
  const json& c = r.body["clone"];
  os_ << fmt::format("✅ Tenant {} created ({} ms)\n", c.value("tenant_id", ""),
                     r.body.value("clone_time_ms", 0));
  clone_lines(c);
  os_ << fmt::format("  Password: {}   (shown only now)\n", c.value("password", ""));
  const bool pg = c.value("database_type", "") == "postgresql";
  os_ << fmt::format(
      "Connection: {}\n",
      pg ? fmt::format("psql -h {} -p {} -U {} {}", c.value("host", ""), c.value("port", 0),
                       c.value("user", ""), c.value("database", ""))
         : fmt::format("mariadb -h {} -P {} -u {} -p {}", c.value("host", ""), c.value("port", 0),
                       c.value("user", ""), c.value("database", "")));
  return 0;
}

int Output::verified(const ApiReply& r) {
  int code = 0;
  if (handled(r, code)) return json_ && r.ok() && !r.body.value("is_verified", false) ? 1 : code;
  bool ok = r.body.value("is_verified", false);
  os_ << fmt::format("🔍 Isolation verification: {}\n", r.body.value("tenant_id", ""));
  os_ << "========================================\n";
  for (const auto& c : r.body["checks"])
    os_ << fmt::format("{} {}: {}\n", c.value("passed", false) ? "✅" : "❌", c.value("name", ""),
                       c.value("detail", ""));
  os_ << fmt::format("\n{} {}/{} checks passed\n",
                     ok ? "✅ Tenant isolated:" : "❌ NOT isolated:", r.body.value("passed_tests", 0),
                     r.body.value("total_tests", 0));
  return ok ? 0 : 1;
}

int Output::listed(const ApiReply& r) {
  int code = 0;
  if (handled(r, code)) return code;
  const json& clones = r.body["clones"];
  os_ << fmt::format("📋 Tenant Clones ({})\n", clones.size());
  os_ << "========================================\n";
  if (clones.empty()) os_ << "No clones.\n";
  for (const auto& c : clones)
    os_ << fmt::format("{:<26} {:<11} {}:{:<6} {:<24} {}\n", c.value("tenant_id", ""),
                       c.value("database_type", ""), c.value("host", ""), c.value("port", 0),
                       c.value("database", ""), c.value("status", ""));
  return 0;
}

int Output::tenant(const ApiReply& r) {
  int code = 0;
  if (handled(r, code)) return code;
  os_ << fmt::format("📊 Tenant {}\n", r.body.value("tenant_id", ""));
  os_ << "========================================\n";
  clone_lines(r.body);
  return 0;
}

int Output::system(const ApiReply& r) {
  int code = 0;
  if (handled(r, code)) return code;
  const json& b = r.body;
  os_ << "📊 Database Cloning System Status\n";
  os_ << "========================================\n";
  os_ << fmt::format("Total Clones: {}\n", b.value("total_clones", 0));
  os_ << fmt::format("Active Clones: {}\n", b.value("active_clones", 0));
  os_ << fmt::format("Stopped Clones: {}\n", b.value("stopped_clones", 0));
  os_ << fmt::format("Failed Clones: {}\n", b.value("failed_clones", 0));
  const json& p = b["port_allocations"];
  os_ << "\nPort Allocations:\n";
  os_ << fmt::format("Active Allocations: {}\n", p.value("active_allocations", 0));
  os_ << fmt::format("Total Allocations: {}\n", p.value("total_allocations", 0));
  for (const auto& it : p["by_type"].items())
    os_ << fmt::format("  {}: {} active, {:.1f}% utilization\n", it.key(),
                       it.value().value("active", 0), it.value().value("utilization_percent", 0.0));
  os_ << "\nTemplates:\n";
  for (const auto& t : b["templates"])
    os_ << fmt::format("  {} {}: {}\n", t.value("database_type", ""), t.value("version", ""),
                       t.value("database", ""));
  return 0;
}

int Output::changed(const ApiReply& r, const char* verb) {
  int code = 0;
  if (handled(r, code)) return code;
  const json& c = r.body["clone"];
  os_ << fmt::format("✅ Tenant {} {} (port {})\n", c.value("tenant_id", ""), verb,
                     c.value("port", 0));
  return 0;
}

int Output::ports(const ApiReply& r) {
  int code = 0;
  if (handled(r, code)) return code;
  const json& b = r.body;
  os_ << "🔌 Port Allocations\n";
  os_ << "========================================\n";
  for (const auto& it : b["port_ranges"].items())
    os_ << fmt::format("{} range: {}-{}\n", it.key(), it.value()[0].get<int>(),
                       it.value()[1].get<int>());
  std::string reserved;
  for (const auto& p : b["reserved_ports"]) reserved += (reserved.empty() ? "" : ", ") + p.dump();
  os_ << fmt::format("Reserved: {}\n\n", reserved);
  for (const auto& a : b["allocations"])
    os_ << fmt::format("{:<6} {:<11} {:<26} {}\n", a.value("port", 0), a.value("database_type", ""),
                       a.value("tenant_id", ""), a.value("status", ""));
  os_ << fmt::format("\nActive Allocations: {}\n", b.value("active_allocations", 0));
  return 0;
}

}  // namespace sw::ctl
