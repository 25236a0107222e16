#include "policy/policy_check.hpp"

#include <istream>
#include <memory>
#include <ostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "policy/policy_gate.hpp"
#include "policy/profile.hpp"
#include "proxy/core/config_loader.hpp"

namespace sw::policy {

int run_policy_check(const PolicyCheckOptions& o, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  SessionContext session;
  if (o.dialect == "postgres" || o.dialect == "postgresql" || o.dialect == "pg") {
    session.protocol = Protocol::postgres;
  } else if (o.dialect == "mysql" || o.dialect == "mariadb") {
    session.protocol = Protocol::mysql;
  } else {
    err << "policy-check: --dialect must be postgres or mysql\n";
    return 2;
  }
  Config config;
  if (!o.config_file.empty()) {
    auto load = load_toml_config_file(o.config_file);
    if (!load.ok()) {
      for (const auto& issue : load.issues) err << issue.to_string(o.config_file) << "\n";
      return 2;
    }
    config = std::move(load.config);
  }
  auto profiles = compile_profiles(config);
  if (!profiles) {
    err << "policy-check: " << profiles.error().message << "\n";
    return 2;
  }
  PolicyGate gate(std::move(profiles.value()));
  if (!gate.find_profile(o.profile)) {
    err << fmt::format("policy-check: unknown profile \"{}\"\n", o.profile);
    return 2;
  }
  session.profile = o.profile;
  session.database = o.database;
  session.no_backslash_escapes = o.no_backslash_escapes;
  session.ansi_quotes = o.ansi_quotes;

  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    nlohmann::ordered_json result;
    if (j.is_discarded() || !j.is_object() || !j.contains("sql") || !j["sql"].is_string()) {
      result = {{"decision", "deny"},
                {"kind", "unknown"},
                {"reason", "invalid_input"},
                {"fingerprint", ""},
                {"message", "expected a JSON object {\"sql\": \"...\"}"}};
    } else {
      std::string sql = j["sql"].get<std::string>();
      Decision d = gate.check(session, sql);
      result = {{"decision", d.allowed ? "allow" : "deny"},
                {"kind", parsers::statement_kind_name(d.kind)},
                {"reason", d.allowed ? "" : d.rule},
                {"fingerprint", fmt::format("{:016x}", d.fingerprint)},
                {"message", d.message}};
    }
    out << result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return 0;
}

}  // namespace sw::policy
