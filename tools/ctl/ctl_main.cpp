// sqlwarden-ctl: seed 003's clone_manager_cli against a running sqlwarden's
// admin API (/api/v1/cloning/...). Human output like the seed's, or the
// API's JSON with --json. Exit 0 on success, 1 when the operation failed
// (or verify found a problem), 2 on bad usage.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "tools/ctl/admin_client.hpp"
#include "tools/ctl/ctl_output.hpp"

namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sqlwarden-ctl: manage tenant clones through the sqlwarden admin API"};
  app.require_subcommand(1);
  std::string url = env_or("SQLWARDEN_URL", "http://127.0.0.1:8000");
  std::string token = env_or("SQLWARDEN_TOKEN", "");
  bool as_json = false;
  app.add_option("--url", url, "admin API (default $SQLWARDEN_URL or http://127.0.0.1:8000)");
  app.add_option("--token", token, "bearer token of an admin (default $SQLWARDEN_TOKEN)");
  app.add_flag("--json", as_json, "print the API's JSON");

  std::string tenant, db_type, version = "v1.0";
  bool force = false, yes = false, all = false;
  auto* create = app.add_subcommand("create", "create a tenant clone");
  create->add_option("tenant_id", tenant)->required();
  create->add_option("db_type", db_type, "mysql | postgresql")->required();
  create->add_option("--version", version, "template version (default v1.0)");
  auto* verify = app.add_subcommand("verify", "verify a tenant's isolation");
  verify->add_option("tenant_id", tenant)->required();
  auto* list = app.add_subcommand("list", "list tenant clones");
  list->add_flag("--all", all, "include removed tenants");
  auto* status = app.add_subcommand("status", "system status, or one tenant's");
  status->add_option("tenant_id", tenant);
  auto* start = app.add_subcommand("start", "open a stopped tenant's port again");
  start->add_option("tenant_id", tenant)->required();
  auto* stop = app.add_subcommand("stop", "close a tenant's port");
  stop->add_option("tenant_id", tenant)->required();
  auto* remove = app.add_subcommand("remove", "drop a tenant's clone and user, release its port");
  remove->add_option("tenant_id", tenant)->required();
  remove->add_flag("--force", force, "also when backend objects are already gone; no question");
  remove->add_flag("--yes,-y", yes, "do not ask for confirmation");
  auto* ports = app.add_subcommand("ports", "port allocations");
  CLI11_PARSE(app, argc, argv);

  sw::ctl::AdminClient client(url, token);
  sw::ctl::Output out(std::cout, as_json);
  if (*create)
    return out.created(
        client.call("POST", "/api/v1/cloning/create",
                    {{"tenant_id", tenant}, {"db_type", db_type}, {"root_version", version}}));
  if (*verify) return out.verified(client.call("GET", "/api/v1/cloning/verify/" + tenant));
  if (*list)
    return out.listed(
        client.call("GET", std::string("/api/v1/cloning/list") + (all ? "?all=true" : "")));
  if (*status) {
    if (tenant.empty()) return out.system(client.call("GET", "/api/v1/cloning/system/status"));
    return out.tenant(client.call("GET", "/api/v1/cloning/status/" + tenant));
  }
  if (*start) return out.changed(client.call("POST", "/api/v1/cloning/start/" + tenant), "started");
  if (*stop) return out.changed(client.call("POST", "/api/v1/cloning/stop/" + tenant), "stopped");
  if (*remove) {
    if (!force && !yes && ::isatty(STDIN_FILENO)) {
      std::cout << fmt::format("Remove tenant {} (its database and user are dropped)? [y/N] ",
                               tenant)
                << std::flush;
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != "y" && answer != "Y" && answer != "yes") {
        std::cout << "Cancelled.\n";
        return 1;
      }
    }
    return out.changed(
        client.call("DELETE", "/api/v1/cloning/remove/" + tenant + (force ? "?force=true" : "")),
        "removed");
  }
  if (*ports) return out.ports(client.call("GET", "/api/v1/cloning/ports"));
  return 2;
}
