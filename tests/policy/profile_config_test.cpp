// Custom profiles from sqlwarden.toml and the checks config-check runs.
#include <gtest/gtest.h>

#include "parsers/statement.hpp"
#include "policy/policy_gate.hpp"
#include "policy/profile.hpp"
#include "proxy/core/config_loader.hpp"

namespace {

constexpr const char* kBase = R"(
[[tenants]]
name = "default"
default_profile = "analyst"
[tenants.mysql]
listen = "127.0.0.1:16033"
backend = "127.0.0.1:13306"

[[users]]
name = "a"
password = "a"
profile = "analyst"

[profiles.analyst]
base = "read_only"
allowed_kinds = ["select", "show", "explain"]
denied_functions = ["@default", "md5", "crypto_*"]
allowed_tables = ["exo_cluster.ai_models", "exo_cluster.providers"]
denied_tables = ["@secrets", "exo_cluster.api_keys"]
max_length = 500
max_statements = 2
allow_cross_database = false
)";

TEST(ProfileConfig, CustomProfileLoadsAndApplies) {
  auto load = sw::load_toml_config_text(kBase, "test.toml");
  ASSERT_TRUE(load.ok()) << (load.issues.empty() ? "" : load.issues[0].message);
  ASSERT_EQ(load.config.profiles.size(), 1u);
  auto profiles = sw::policy::compile_profiles(load.config);
  ASSERT_TRUE(profiles.ok());
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.protocol = sw::Protocol::mysql;
  s.profile = "analyst";
  s.database = "exo_cluster";
  auto check = [&](const char* sql) { return gate.check(s, sql); };
  EXPECT_TRUE(check("SELECT * FROM ai_models").allowed);
  EXPECT_TRUE(check("SELECT 1 FROM ai_models; SELECT 2 FROM providers").allowed);
  EXPECT_EQ(check("SELECT 1; SELECT 2; SELECT 3").rule, "multiple_statements");
  EXPECT_EQ(check("DESCRIBE ai_models").rule, "kind_not_allowed");
  EXPECT_EQ(check("SELECT md5('x') FROM ai_models").rule, "denied_function");
  EXPECT_EQ(check("SELECT crypto_hash(1) FROM ai_models").rule, "denied_function");
  EXPECT_EQ(check("SELECT sleep(1) FROM ai_models").rule, "denied_function");
  EXPECT_EQ(check("SELECT * FROM api_keys").rule, "denied_table");
  EXPECT_EQ(check("SELECT * FROM other_table").rule, "table_not_allowed");
  EXPECT_EQ(check("SELECT * FROM mysql.user").rule, "denied_table");
  EXPECT_EQ(check("SELECT * FROM otherdb.ai_models").rule, "table_not_allowed");
  EXPECT_EQ(check("SELECT * FROM ai_models FOR UPDATE").rule, "locking_read");
  EXPECT_EQ(check(("SELECT '" + std::string(600, 'x') + "'").c_str()).rule, "too_long");
}

TEST(ProfileConfig, CrossDatabaseRule) {
  sw::Config cfg;
  sw::ProfileConfig p;
  p.name = "local_only";
  p.base = "exo_ai";
  p.allow_cross_database = false;
  cfg.profiles.push_back(p);
  auto profiles = sw::policy::compile_profiles(cfg);
  ASSERT_TRUE(profiles.ok());
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.protocol = sw::Protocol::mysql;
  s.profile = "local_only";
  s.database = "exo_cluster";
  EXPECT_TRUE(gate.check(s, "SELECT * FROM exo_cluster.t").allowed);
  EXPECT_EQ(gate.check(s, "SELECT * FROM other.t").rule, "cross_database");
  // exo_ai does not allow USE at all: the kind rule answers first.
  EXPECT_FALSE(gate.check(s, "USE other").allowed);
  EXPECT_NE(gate.check(s, "USE exo_cluster").rule, "cross_database");
}

// A tenant's profile: allow_all without other databases or dblink.
TEST(ProfileConfig, TenantIsolatedProfile) {
  sw::Config cfg;
  sw::ProfileConfig p;
  p.name = "tenant_isolated";
  p.base = "allow_all";
  p.allow_cross_database = false;
  p.denied_functions = std::vector<std::string>{"dblink*"};
  cfg.profiles.push_back(p);
  auto profiles = sw::policy::compile_profiles(cfg);
  ASSERT_TRUE(profiles.ok()) << profiles.error().message;
  sw::policy::PolicyGate gate(profiles.value());
  sw::policy::SessionContext s;
  s.protocol = sw::Protocol::mysql;
  s.profile = "tenant_isolated";
  s.database = "tenant_a_db";
  EXPECT_TRUE(gate.check(s, "CREATE TABLE t (id int)").allowed);
  EXPECT_TRUE(gate.check(s, "SELECT * FROM tenant_a_db.t").allowed);
  EXPECT_EQ(gate.check(s, "SELECT * FROM tenant_b_db.t").rule, "cross_database");
  // USE of another database (tenant listeners, docs/tenants.md).
  EXPECT_EQ(gate.check(s, "USE tenant_b_db").rule, "cross_database");
  EXPECT_EQ(gate.check(s, "USE `tenant_b_db`").rule, "cross_database");
  EXPECT_TRUE(gate.check(s, "USE tenant_a_db").allowed);
  // The server's own catalog, filtered by the backend's grants, stays open.
  EXPECT_TRUE(gate.check(s, "SELECT COUNT(*) FROM information_schema.TRIGGERS").allowed);
  EXPECT_EQ(gate.check(s, "SELECT * FROM performance_schema.threads").rule, "cross_database");
  s.protocol = sw::Protocol::postgres;
  EXPECT_FALSE(gate.check(s, "SELECT dblink_connect('dbname=tenant_b_db')").allowed);
  EXPECT_FALSE(gate.check(s, "SELECT * FROM dblink('dbname=x', 'select 1') AS t(a int)").allowed);
}

// LOAD DATA LOCAL INFILE: off in every profile unless configured; allow_all
// may turn it on with [profiles.allow_all] local_infile (its only setting),
// and every statement of a multi-statement request is checked.
TEST(ProfileConfig, LocalInfile) {
  auto gate_for = [](const sw::Config& cfg) {
    auto profiles = sw::policy::compile_profiles(cfg);
    EXPECT_TRUE(profiles.ok());
    return sw::policy::PolicyGate(profiles.value());
  };
  sw::policy::SessionContext s;
  s.protocol = sw::Protocol::mysql;
  s.database = "exo_cluster";
  const char* load = "LOAD DATA LOCAL INFILE '/tmp/x.csv' INTO TABLE t";
  const char* multi = "SELECT 1; load data concurrent local infile 'y' into table t";

  sw::Config plain;
  auto off = gate_for(plain);
  for (const char* profile : {"allow_all", "read_only", "exo_ai"}) {
    s.profile = profile;
    EXPECT_FALSE(off.check(s, load).allowed) << profile;
  }
  s.profile = "allow_all";
  EXPECT_EQ(off.check(s, load).rule, "local_infile");
  EXPECT_EQ(off.check(s, multi).rule, "local_infile");
  EXPECT_TRUE(off.check(s, "LOAD DATA INFILE '/tmp/x.csv' INTO TABLE t").allowed);

  auto load_cfg = sw::load_toml_config_text(std::string(kBase) + R"(
[profiles.allow_all]
local_infile = true
[profiles.loader]
base = "exo_ai"
allowed_kinds = ["select", "load"]
max_statements = 0
)",
                                            "test.toml");
  ASSERT_TRUE(load_cfg.ok()) << (load_cfg.issues.empty() ? "" : load_cfg.issues[0].message);
  auto on = gate_for(load_cfg.config);
  EXPECT_TRUE(on.check(s, load).allowed);
  EXPECT_TRUE(on.check(s, multi).allowed);
  s.profile = "read_only";
  EXPECT_FALSE(on.check(s, load).allowed);
  s.profile = "loader";  // allows the kind, not the local file
  EXPECT_EQ(on.check(s, load).rule, "local_infile");
  EXPECT_EQ(on.check(s, multi).rule, "local_infile");

  // Nothing else of a built-in profile can be changed.
  auto bad = sw::load_toml_config_text(std::string(kBase) + R"(
[profiles.allow_all]
local_infile = true
max_length = 10
)",
                                       "test.toml");
  EXPECT_FALSE(bad.ok());
}

TEST(ProfileConfig, ConfigCheckRejectsUnknownProfiles) {
  std::string text = kBase;
  text += R"(
[[users]]
name = "b"
password = "b"
profile = "no_such_profile"

[profiles.broken]
base = "nope"
allowed_kinds = ["select", "teleport"]
colour = "blue"
)";
  auto load = sw::load_toml_config_text(text, "test.toml");
  ASSERT_FALSE(load.ok());
  auto has = [&](const std::string& path, const std::string& needle) {
    for (const auto& i : load.issues)
      if (i.path == path && i.message.find(needle) != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(has("users[1].profile", "unknown profile \"no_such_profile\""));
  EXPECT_TRUE(has("profiles.broken.base", "unknown base profile"));
  EXPECT_TRUE(has("profiles.broken.allowed_kinds", "teleport"));
  EXPECT_TRUE(has("profiles.broken.colour", "unknown key"));
}

TEST(ProfileConfig, TenantDefaultProfileMustExist) {
  std::string text = R"(
[[tenants]]
name = "t"
default_profile = "readonly"
[tenants.postgres]
listen = "127.0.0.1:16432"
backend = "127.0.0.1:15432"
)";
  auto load = sw::load_toml_config_text(text, "test.toml");
  ASSERT_FALSE(load.ok());
  bool found = false;
  for (const auto& i : load.issues)
    found = found || (i.path == "tenants[0].default_profile" &&
                      i.message.find("readonly") != std::string::npos);
  EXPECT_TRUE(found);
}

TEST(ProfileConfig, KindNamesAgreeWithTheParser) {
  for (int k = 1; k < sw::parsers::kStatementKindCount; ++k) {
    const char* name = sw::parsers::statement_kind_name(static_cast<sw::parsers::StatementKind>(k));
    EXPECT_TRUE(sw::is_statement_kind_name(name)) << name;
    EXPECT_EQ(sw::parsers::statement_kind_from_name(name),
              static_cast<sw::parsers::StatementKind>(k));
  }
  EXPECT_FALSE(sw::is_statement_kind_name("unknown"));
}

}  // namespace
