#include "proxy/admin/tools/tools_config.hpp"

#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace sw::tools {
namespace {

template <class Int>
void read_int(const toml::table& t, const char* key, Int& out, std::int64_t lo, std::int64_t hi,
              std::vector<std::string>& problems) {
  const toml::node* n = t.get(key);
  if (!n) return;
  auto v = n->value<std::int64_t>();
  if (!n->is_integer() || !v || *v < lo || *v > hi) {
    problems.push_back(fmt::format("tools.{}: expected an integer in {}..{}", key, lo, hi));
    return;
  }
  out = static_cast<Int>(*v);
}

void read_string(const toml::table& t, const char* key, std::string& out,
                 std::vector<std::string>& problems) {
  const toml::node* n = t.get(key);
  if (!n) return;
  if (!n->is_string()) {
    problems.push_back(fmt::format("tools.{}: expected a string", key));
    return;
  }
  out = *n->value<std::string>();
}

}  // namespace

ToolsConfigLoad load_tools_config(std::string_view text) {
  ToolsConfigLoad out;
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    out.problems.push_back(fmt::format("(syntax): {}", e.description()));
    return out;
  }
  const toml::node* node = root.get("tools");
  if (!node) return out;
  const toml::table* t = node->as_table();
  if (!t) {
    out.problems.push_back("tools: expected a table ([tools])");
    return out;
  }
  static constexpr std::string_view kKeys[] = {
      "user",     "password", "database",        "engine", "statement_timeout_ms",
      "max_rows", "threads",  "warm_connections"};
  for (const auto& [key, value] : *t) {
    bool known = false;
    for (auto k : kKeys) known = known || k == key.str();
    if (!known) out.problems.push_back(fmt::format("tools.{}: unknown key", key.str()));
  }
  auto& c = out.config;
  read_string(*t, "user", c.user, out.problems);
  std::string password;
  read_string(*t, "password", password, out.problems);
  if (!password.empty()) c.password = Secret(password);
  read_string(*t, "database", c.database, out.problems);
  read_string(*t, "engine", c.engine, out.problems);
  if (c.engine != "" && c.engine != "mysql" && c.engine != "postgres")
    out.problems.push_back("tools.engine: expected \"mysql\", \"postgres\" or \"\"");
  std::int64_t timeout_ms = c.statement_timeout.count();
  read_int(*t, "statement_timeout_ms", timeout_ms, 1, 24LL * 3600 * 1000, out.problems);
  c.statement_timeout = std::chrono::milliseconds(timeout_ms);
  read_int(*t, "max_rows", c.max_rows, 1, 10000000, out.problems);
  read_int(*t, "threads", c.threads, 1, 256, out.problems);
  read_int(*t, "warm_connections", c.warm_connections, 0, 1024, out.problems);
  if (c.user.empty()) out.problems.push_back("tools.user: must not be empty");
  return out;
}

std::vector<std::string> ConfigFileLoad::problems(const std::string& path) const {
  std::vector<std::string> out;
  for (const auto& issue : core.issues) out.push_back(issue.to_string(path));
  for (const auto& p : tools.problems) out.push_back(path + ": " + p);
  return out;
}

ConfigFileLoad load_config_file(const std::string& path) {
  ConfigFileLoad out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.core.issues.push_back({"(file)", 0, "cannot read " + path});
    return out;
  }
  std::string text((std::istreambuf_iterator<char>(in)), {});
  out.core = load_toml_config_text(text, path);
  out.tools = load_tools_config(text);
  return out;
}

}  // namespace sw::tools
