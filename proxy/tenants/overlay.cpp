#include "proxy/tenants/overlay.hpp"

namespace sw::tenants {

const TenantConfig* source_tenant(const Config& base, const CloningConfig& cloning, Engine engine) {
  for (const auto& t : base.tenants) {
    if (!cloning.source_tenant.empty() && t.name != cloning.source_tenant) continue;
    if (engine == Engine::postgresql ? t.postgres.has_value() : t.mysql.has_value()) return &t;
  }
  return nullptr;
}

bool name_taken_by_file(const Config& base, const std::string& id) {
  return base.find_tenant(id) != nullptr || base.find_user(tenant_user(id)) != nullptr;
}

Result<Config> compose(const Config& base, const CloningConfig& cloning,
                       const std::vector<TenantLogin>& tenants) {
  Config out = base;
  if (tenants.empty()) return out;
  std::vector<std::string> file_tenants;
  for (const auto& t : base.tenants) file_tenants.push_back(t.name);
  for (auto& u : out.users)
    if (u.tenants.empty()) u.tenants = file_tenants;
  if (!out.find_profile(cloning.tenant_profile) && !is_builtin_profile(cloning.tenant_profile)) {
    ProfileConfig p;
    p.name = cloning.tenant_profile;
    p.base = "allow_all";
    p.allow_cross_database = false;
    p.denied_functions = std::vector<std::string>{"dblink*"};
    out.profiles.push_back(std::move(p));
  }
  for (const auto& login : tenants) {
    const TenantRecord& r = *login.record;
    const TenantConfig* source = source_tenant(base, cloning, r.engine);
    if (!source)
      return make_error(Errc::config, "tenant " + r.id + ": no [[tenants]] entry with a " +
                                          engine_name(r.engine) + " backend to clone on");
    if (name_taken_by_file(base, r.id))
      return make_error(Errc::config, "tenant " + r.id + ": the name is used in the config file");
    const ListenerConfig& from =
        r.engine == Engine::postgresql ? *source->postgres : *source->mysql;
    ListenerConfig l;
    l.listen = Endpoint{r.listen_host, r.port};
    l.backend = from.backend;
    l.server_tls = from.server_tls;
    l.client_tls = from.client_tls;
    l.read_timeout = from.read_timeout;
    l.write_timeout = from.write_timeout;
    l.default_database = r.database;
    l.pin_database = true;
    TenantConfig t;
    t.name = r.id;
    t.default_profile = cloning.tenant_profile;
    t.pool = source->pool;
    t.slow_threshold_ms = source->slow_threshold_ms;
    if (r.engine == Engine::postgresql)
      t.postgres = std::move(l);
    else
      t.mysql = std::move(l);
    out.tenants.push_back(std::move(t));
    UserConfig u;
    u.name = r.user;
    u.password = login.password;
    u.profile = cloning.tenant_profile;
    u.tenants = {r.id};
    out.users.push_back(std::move(u));
  }
  return out;
}

}  // namespace sw::tenants
