#pragma once
// The `[cloning]` section of sqlwarden.toml (tenant clones, seed 003). Like
// [tools], it is read by its owner; the core loader only lets it through.
// Without a [cloning] table cloning is off and /api/v1/cloning answers 503.
//
//   [cloning]
//   state_dir = ".local/tenants"      # registry + key file (relative: to the config file)
//   source_tenant = "default"         # whose backends hold the templates
//   admin_user = "app"                # [[users]] entry whose backend login runs the DDL
//   listen_host = "127.0.0.1"
//   tenant_profile = "tenant_isolated"
//   port_config = "port_config.json"  # seed 003's file (optional)
//   clone_timeout_ms = 30000
//   [cloning.ports]
//   mysql = [3309, 3400]
//   postgresql = [5434, 5500]
//   reserved = [3306, 3307, 3308, 5432, 5433, 8000, 8001]
//   [[cloning.templates]]
//   engine = "postgresql"
//   version = "v1.0"
//   database = "exo_cluster"
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/tenants/port_allocator.hpp"
#include "proxy/tenants/tenant_id.hpp"

namespace sw::tenants {

struct Template {
  Engine engine = Engine::postgresql;
  std::string version;
  std::string database;
};

// The profile tenant users get unless [cloning] names another: allow_all
// minus cross-database references (docs/tenants.md).
inline constexpr std::string_view kTenantProfile = "tenant_isolated";

struct CloningConfig {
  bool enabled = false;
  std::string state_dir;
  std::string source_tenant;  // empty = the first tenant with that engine
  std::string admin_user = "app";
  std::string listen_host = "127.0.0.1";
  std::string tenant_profile{kTenantProfile};
  std::chrono::milliseconds clone_timeout{30000};
  PortPlan ports;
  std::vector<Template> templates{{Engine::postgresql, "v1.0", "exo_cluster"},
                                  {Engine::mysql, "v1.0", "exo_cluster"}};

  const Template* find_template(Engine e, std::string_view version) const;
};

struct CloningConfigLoad {
  CloningConfig config;
  std::vector<std::string> problems;  // "cloning.ports.mysql: ..."
};

// From the whole sqlwarden.toml text; relative paths resolve against
// `config_dir` (the directory of the file).
CloningConfigLoad load_cloning_config(std::string_view toml_text, const std::string& config_dir);
// The same from sqlwarden.toml on disk.
CloningConfigLoad load_cloning_config_file(const std::string& path);

}  // namespace sw::tenants
