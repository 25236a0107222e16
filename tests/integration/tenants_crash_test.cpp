// Tenant clones and failure: a template kept busy makes create fail with a
// clear error after clone_timeout_ms (nothing left behind); `kill -9`
// during a create leaves no half tenant after the restart, and the same id
// can be created again.
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <thread>

#include "tests/integration/pg_util.hpp"
#include "tests/integration/tenants_util.hpp"

namespace sw::test {
namespace {

using nlohmann::json;

std::string pg_database_count(const std::string& db) {
  return run_command(
             psql_app("postgres",
                      "-At -c " + shell_quote("SELECT count(*) FROM pg_database WHERE datname = '" +
                                              db + "'")))
      .output;
}

class TenantCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    tpl_ = fmt::format("sw_tpl_crash_{}", ::getpid());
    ASSERT_TRUE(make_templates(tpl_));
    state_ = make_temp_dir("tenants_crash_state");
  }
  void TearDown() override { drop_templates(tpl_); }
  // A session inside a transaction on the template: CREATE DATABASE …
  // TEMPLATE cannot proceed, and the proxy must not kill it.
  PgConn hold_template() {
    PgConn c = app_backend(tpl_);
    EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
    pg_exec(c.get(), "BEGIN");
    pg_exec(c.get(), "SELECT count(*) FROM ai_models");
    return c;
  }
  std::string tpl_, state_;
};

TEST_F(TenantCrash, BusyTemplateTimesOutClearlyAndLeavesNothing) {
  ProxyProcess proxy("tenants_busy", cloning_options(state_, tpl_, port_block(2), 1500));
  PgConn holder = hold_template();
  json r = api(proxy.admin_port(), "POST", "/api/v1/cloning/create", 502,
               {{"tenant_id", "busy1"}, {"db_type", "postgresql"}});
  EXPECT_NE(r.dump().find("stayed in use by other sessions"), std::string::npos) << r.dump();
  // The holder survived (its transaction is not idle), nothing is left.
  EXPECT_EQ(pg_value(holder.get(), "SELECT 1"), "1");
  EXPECT_EQ(pg_database_count("tenant_busy1_db"), "0\n");
  json list = api(proxy.admin_port(), "GET", "/api/v1/cloning/list", 200);
  EXPECT_EQ(list["total"], 0) << list.dump();
  holder.reset();
  // With the template free again the same id works.
  api(proxy.admin_port(), "POST", "/api/v1/cloning/create", 201,
      {{"tenant_id", "busy1"}, {"db_type", "postgresql"}});
  api(proxy.admin_port(), "DELETE", "/api/v1/cloning/remove/busy1", 200);
}

TEST_F(TenantCrash, KillDuringCreateLeavesNoHalfTenant) {
  unsigned base = port_block(3);
  PgConn holder = hold_template();
  {
    ProxyProcess proxy("tenants_kill", cloning_options(state_, tpl_, base, 60000));
    // The create waits on the busy template; meanwhile its role exists and
    // the registry says "creating".
    std::thread create([port = proxy.admin_port()] {
      slow_request(port, "POST", "/api/v1/cloning/create",
                   json{{"tenant_id", "crash1"}, {"db_type", "postgresql"}}.dump());
    });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (read_file(state_ + "/clone_registry.json").find("\"creating\"") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_NE(read_file(state_ + "/clone_registry.json").find("\"creating\""), std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::kill(proxy.pid(), SIGKILL);
    create.join();
    proxy.terminate();
  }
  auto role = run_command(psql_app(
      "postgres",
      "-At -c " + shell_quote("SELECT count(*) FROM pg_roles WHERE rolname = 'tenant_crash1'")));
  EXPECT_EQ(role.output, "1\n") << "the create should have been interrupted half-way";
  holder.reset();

  ProxyProcess again("tenants_kill_again", cloning_options(state_, tpl_, base, 60000));
  ASSERT_TRUE(again.running());
  EXPECT_NE(again.log().find("create was interrupted"), std::string::npos) << again.log();
  role = run_command(psql_app(
      "postgres",
      "-At -c " + shell_quote("SELECT count(*) FROM pg_roles WHERE rolname = 'tenant_crash1'")));
  EXPECT_EQ(role.output, "0\n");
  EXPECT_EQ(pg_database_count("tenant_crash1_db"), "0\n");
  json list = api(again.admin_port(), "GET", "/api/v1/cloning/list", 200);
  EXPECT_EQ(list["total"], 0) << list.dump();
  json made = api(again.admin_port(), "POST", "/api/v1/cloning/create", 201,
                  {{"tenant_id", "crash1"}, {"db_type", "postgresql"}});
  EXPECT_EQ(made["clone"]["port"], base + 100);
  api(again.admin_port(), "DELETE", "/api/v1/cloning/remove/crash1", 200);
}

}  // namespace
}  // namespace sw::test
