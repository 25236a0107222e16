#include "proxy/tenants/cloning_config.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace sw::tenants {
namespace {

std::string resolve(const std::string& dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || dir.empty()) return path;
  return dir + "/" + path;
}

struct Reader {
  const toml::table& t;
  std::string path;
  std::vector<std::string>& problems;

  void string(const char* key, std::string& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_string())
      problems.push_back(fmt::format("{}.{}: expected a string", path, key));
    else
      out = *n->value<std::string>();
  }
  void boolean(const char* key, bool& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_boolean())
      problems.push_back(fmt::format("{}.{}: expected true or false", path, key));
    else
      out = *n->value<bool>();
  }
  void keys(std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, value] : t) {
      bool known = false;
      for (auto k : allowed) known = known || k == key.str();
      if (!known) problems.push_back(fmt::format("{}.{}: unknown key", path, key.str()));
    }
  }
};

bool read_port(const toml::node& n, std::uint16_t& out) {
  auto v = n.value<std::int64_t>();
  if (!n.is_integer() || !v || *v < 1 || *v > 65535) return false;
  out = static_cast<std::uint16_t>(*v);
  return true;
}

void read_range(const toml::table& t, const char* key, PortRange& out,
                std::vector<std::string>& problems) {
  const toml::node* n = t.get(key);
  if (!n) return;
  const toml::array* a = n->as_array();
  PortRange r;
  if (!a || a->size() != 2 || !read_port(*a->get(0), r.first) || !read_port(*a->get(1), r.last) ||
      r.first > r.last) {
    problems.push_back(fmt::format("cloning.ports.{}: expected [first, last] in 1..65535", key));
    return;
  }
  out = r;
}

void read_ports(const toml::table& t, PortPlan& plan, std::vector<std::string>& problems) {
  Reader{t, "cloning.ports", problems}.keys({"mysql", "postgresql", "reserved"});
  read_range(t, "mysql", plan.mysql, problems);
  read_range(t, "postgresql", plan.postgresql, problems);
  if (const toml::node* n = t.get("reserved")) {
    const toml::array* a = n->as_array();
    bool ok = a != nullptr;
    if (a)
      for (const auto& item : *a) {
        std::uint16_t p = 0;
        ok = ok && read_port(item, p);
        if (ok) plan.reserved.insert(p);
      }
    if (!ok) problems.push_back("cloning.ports.reserved: expected an array of ports in 1..65535");
  }
}

void read_templates(const toml::array& list, std::vector<Template>& out,
                    std::vector<std::string>& problems) {
  out.clear();
  for (std::size_t i = 0; i < list.size(); ++i) {
    std::string path = fmt::format("cloning.templates[{}]", i);
    const toml::table* t = list.get(i)->as_table();
    if (!t) {
      problems.push_back(path + ": expected a table ([[cloning.templates]])");
      continue;
    }
    Reader r{*t, path, problems};
    r.keys({"engine", "version", "database"});
    std::string engine, version, database;
    r.string("engine", engine);
    r.string("version", version);
    r.string("database", database);
    auto e = parse_engine(engine);
    if (!e) problems.push_back(path + ".engine: expected \"mysql\" or \"postgresql\"");
    if (version.empty()) problems.push_back(path + ".version: missing");
    if (database.empty()) problems.push_back(path + ".database: missing");
    if (e && !version.empty() && !database.empty()) out.push_back({*e, version, database});
  }
}

}  // namespace

const Template* CloningConfig::find_template(Engine e, std::string_view version) const {
  for (const auto& t : templates)
    if (t.engine == e && t.version == version) return &t;
  return nullptr;
}

CloningConfigLoad load_cloning_config(std::string_view text, const std::string& config_dir) {
  CloningConfigLoad out;
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    out.problems.push_back(fmt::format("(syntax): {}", e.description()));
    return out;
  }
  const toml::node* node = root.get("cloning");
  if (!node) return out;
  const toml::table* t = node->as_table();
  if (!t) {
    out.problems.push_back("cloning: expected a table ([cloning])");
    return out;
  }
  auto& c = out.config;
  c.enabled = true;
  Reader r{*t, "cloning", out.problems};
  r.keys({"enabled", "state_dir", "source_tenant", "admin_user", "listen_host", "tenant_profile",
          "port_config", "clone_timeout_ms", "ports", "templates"});
  r.boolean("enabled", c.enabled);
  r.string("state_dir", c.state_dir);
  r.string("source_tenant", c.source_tenant);
  r.string("admin_user", c.admin_user);
  r.string("listen_host", c.listen_host);
  r.string("tenant_profile", c.tenant_profile);
  if (const toml::node* n = t->get("clone_timeout_ms")) {
    auto v = n->value<std::int64_t>();
    if (!n->is_integer() || !v || *v < 100 || *v > 3600 * 1000)
      out.problems.push_back("cloning.clone_timeout_ms: expected an integer in 100..3600000");
    else
      c.clone_timeout = std::chrono::milliseconds(*v);
  }
  std::string port_config;
  r.string("port_config", port_config);
  if (!port_config.empty()) {
    std::ifstream in(resolve(config_dir, port_config), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) {
      out.problems.push_back("cloning.port_config: cannot read " + port_config);
    } else if (auto plan = parse_port_config_json(ss.str()); !plan) {
      out.problems.push_back("cloning.port_config: " + plan.error().message);
    } else {
      c.ports = *plan;
    }
  }
  if (const toml::node* n = t->get("ports")) {
    if (const toml::table* p = n->as_table())
      read_ports(*p, c.ports, out.problems);
    else
      out.problems.push_back("cloning.ports: expected a table");
  }
  if (c.ports.mysql.first <= c.ports.postgresql.last &&
      c.ports.postgresql.first <= c.ports.mysql.last)
    out.problems.push_back("cloning.ports: the mysql and postgresql ranges overlap");
  if (const toml::node* n = t->get("templates")) {
    if (const toml::array* a = n->as_array())
      read_templates(*a, c.templates, out.problems);
    else
      out.problems.push_back("cloning.templates: expected an array of tables");
  }
  if (c.enabled && c.state_dir.empty())
    out.problems.push_back("cloning.state_dir: missing (where the registry and key file live)");
  c.state_dir = resolve(config_dir, c.state_dir);
  if (c.admin_user.empty()) out.problems.push_back("cloning.admin_user: must not be empty");
  return out;
}

CloningConfigLoad load_cloning_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    CloningConfigLoad out;
    out.problems.push_back("cannot read " + path);
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto slash = path.rfind('/');
  return load_cloning_config(ss.str(), slash == std::string::npos ? "." : path.substr(0, slash));
}

}  // namespace sw::tenants
