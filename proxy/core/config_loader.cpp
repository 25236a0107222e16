#include "proxy/core/config_loader.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

namespace sw {

std::string ConfigIssue::to_string(std::string_view file) const {
  if (line > 0) return fmt::format("{}:{}: {}: {}", file, line, path, message);
  return fmt::format("{}: {}: {}", file, path, message);
}

std::optional<Endpoint> parse_endpoint(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return std::nullopt;
  return Endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

namespace {

// Reads typed values out of a toml table, recording every problem instead of
// throwing, and flags keys nobody asked for.
class TomlChecker {
 public:
  explicit TomlChecker(std::vector<ConfigIssue>& issues) : issues_(issues) {}

  void issue(const std::string& path, const toml::node* node, std::string message) {
    std::uint32_t line = node ? node->source().begin.line : 0;
    issues_.push_back({path, line, std::move(message)});
  }

  void unknown_keys(const toml::table& table, const std::string& path,
                    std::initializer_list<std::string_view> allowed) {
    for (const auto& [key, node] : table) {
      bool known = false;
      for (auto a : allowed) known = known || key.str() == a;
      if (!known) issue(join(path, key.str()), &node, "unknown key");
    }
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  void read(const toml::table& t, std::string_view key, const std::string& path, std::string& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (auto v = n->value<std::string>(); v && n->is_string()) {
      out = *v;
    } else {
      issue(join(path, key), n, "expected a string");
    }
  }

  void read(const toml::table& t, std::string_view key, const std::string& path, Secret& out) {
    std::string value;
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_string()) {
      issue(join(path, key), n, "expected a string");  // value deliberately not echoed
      return;
    }
    out = Secret(n->value<std::string>().value_or(""));
  }

  void read(const toml::table& t, std::string_view key, const std::string& path, bool& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_boolean()) {
      issue(join(path, key), n, "expected true or false");
      return;
    }
    out = *n->value<bool>();
  }

  template <class Int>
  void read_int(const toml::table& t, std::string_view key, const std::string& path, Int& out,
                std::int64_t min, std::int64_t max) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_integer()) {
      issue(join(path, key), n, "expected an integer");
      return;
    }
    std::int64_t v = *n->value<std::int64_t>();
    if (v < min || v > max) {
      issue(join(path, key), n, fmt::format("must be between {} and {}", min, max));
      return;
    }
    out = static_cast<Int>(v);
  }

  template <class Duration>
  void read_duration(const toml::table& t, std::string_view key, const std::string& path,
                     Duration& out, std::int64_t max) {
    std::int64_t count = out.count();
    read_int(t, key, path, count, 0, max);
    out = Duration(count);
  }

  void read_endpoint(const toml::table& t, std::string_view key, const std::string& path,
                     Endpoint& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    if (!n->is_string()) {
      issue(join(path, key), n, "expected \"host:port\"");
      return;
    }
    auto ep = parse_endpoint(*n->value<std::string>());
    if (!ep) {
      issue(join(path, key), n, "expected \"host:port\" with a port between 1 and 65535");
      return;
    }
    out = *ep;
  }

  void read_strings(const toml::table& t, std::string_view key, const std::string& path,
                    std::vector<std::string>& out) {
    const toml::node* n = t.get(key);
    if (!n) return;
    const toml::array* arr = n->as_array();
    if (!arr) {
      issue(join(path, key), n, "expected an array of strings");
      return;
    }
    out.clear();
    for (const auto& el : *arr) {
      if (!el.is_string()) {
        issue(join(path, key), &el, "expected an array of strings");
        continue;
      }
      out.push_back(*el.value<std::string>());
    }
  }

  const toml::table* table(const toml::table& t, std::string_view key, const std::string& path) {
    const toml::node* n = t.get(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      issue(join(path, key), n, "expected a table");
      return nullptr;
    }
    return n->as_table();
  }

  // Arrays of tables ([[tenants]]) — returns each table with its path.
  std::vector<std::pair<const toml::table*, std::string>> table_array(const toml::table& t,
                                                                      std::string_view key) {
    std::vector<std::pair<const toml::table*, std::string>> out;
    const toml::node* n = t.get(key);
    if (!n) return out;
    const toml::array* arr = n->as_array();
    if (!arr) {
      issue(std::string(key), n, "expected an array of tables ([[" + std::string(key) + "]])");
      return out;
    }
    std::size_t i = 0;
    for (const auto& el : *arr) {
      std::string path = fmt::format("{}[{}]", key, i++);
      if (!el.is_table()) {
        issue(path, &el, "expected a table");
        continue;
      }
      out.emplace_back(el.as_table(), path);
    }
    return out;
  }

  void read_enum(
      const toml::table& t, std::string_view key, const std::string& path, auto& out,
      std::initializer_list<std::pair<std::string_view, std::decay_t<decltype(out)>>> choices) {
    const toml::node* n = t.get(key);
    if (!n) return;
    std::string names;
    for (const auto& c : choices) names += (names.empty() ? "" : ", ") + std::string(c.first);
    if (!n->is_string()) {
      issue(join(path, key), n, "expected one of: " + names);
      return;
    }
    std::string v = *n->value<std::string>();
    for (const auto& c : choices) {
      if (c.first == v) {
        out = c.second;
        return;
      }
    }
    issue(join(path, key), n, fmt::format("\"{}\" is not one of: {}", v, names));
  }

 private:
  std::vector<ConfigIssue>& issues_;
};

const std::initializer_list<std::pair<std::string_view, PoolMode>> kPoolModes = {
    {"session", PoolMode::session},
    {"transaction", PoolMode::transaction},
    {"statement", PoolMode::statement}};

void read_pool(TomlChecker& c, const toml::table& t, const std::string& path, PoolConfig& pool) {
  c.unknown_keys(
      t, path,
      {"mode", "size", "min_idle", "reserve_size", "reserve_timeout_ms", "max_client_connections",
       "server_idle_timeout_seconds", "server_lifetime_seconds", "connect_timeout_ms",
       "server_check_query", "server_check_interval_seconds", "client_wait_timeout_ms", "strict",
       "listen_connections", "listen_queue_size"});
  c.read_enum(t, "mode", path, pool.mode, kPoolModes);
  c.read_int(t, "size", path, pool.size, 1, 100000);
  c.read_int(t, "min_idle", path, pool.min_idle, 0, 100000);
  c.read_int(t, "reserve_size", path, pool.reserve_size, 0, 100000);
  c.read_duration(t, "reserve_timeout_ms", path, pool.reserve_timeout, 3600 * 1000);
  c.read_int(t, "max_client_connections", path, pool.max_client_connections, 0, 10000000);
  c.read_duration(t, "server_idle_timeout_seconds", path, pool.server_idle_timeout, 86400 * 365);
  c.read_duration(t, "server_lifetime_seconds", path, pool.server_lifetime, 86400 * 365);
  c.read_duration(t, "connect_timeout_ms", path, pool.connect_timeout, 3600 * 1000);
  c.read(t, "server_check_query", path, pool.server_check_query);
  c.read_duration(t, "server_check_interval_seconds", path, pool.server_check_interval,
                  86400 * 365);
  c.read_duration(t, "client_wait_timeout_ms", path, pool.client_wait_timeout, 86400 * 1000);
  c.read(t, "strict", path, pool.strict);
  c.read_int(t, "listen_connections", path, pool.listen_connections, 0, 1);
  c.read_int(t, "listen_queue_size", path, pool.listen_queue_size, 1, 10000000);
  if (pool.min_idle > pool.size)
    c.issue(path + ".min_idle", t.get("min_idle"), "must not exceed size");
  if (pool.client_wait_timeout.count() == 0)
    c.issue(path + ".client_wait_timeout_ms", t.get("client_wait_timeout_ms"),
            "must be at least 1 (clients must not wait forever)");
}

void read_tls(TomlChecker& c, const toml::table& t, const std::string& path, TlsConfig& tls,
              bool is_client_side) {
  c.unknown_keys(t, path, {"mode", "cert_file", "key_file", "ca_file"});
  c.read_enum(
      t, "mode", path, tls.mode,
      {{"disabled", TlsMode::disabled}, {"allow", TlsMode::allow}, {"require", TlsMode::require}});
  c.read(t, "cert_file", path, tls.cert_file);
  c.read(t, "key_file", path, tls.key_file);
  c.read(t, "ca_file", path, tls.ca_file);
  if (is_client_side && tls.mode != TlsMode::disabled &&
      (tls.cert_file.empty() || tls.key_file.empty()))
    c.issue(path, &t, "cert_file and key_file are required when TLS is offered to clients");
}

ListenerConfig read_listener(TomlChecker& c, const toml::table& t, const std::string& path) {
  ListenerConfig l;
  c.unknown_keys(
      t, path,
      {"listen", "backend", "default_database", "client_tls", "server_tls", "read_timeout_seconds",
       "write_timeout_seconds", "auth_method", "caching_sha2_full_auth", "auth_user", "auth_query",
       "auth_dbname", "server_version", "pin_database"});
  c.read_endpoint(t, "listen", path, l.listen);
  c.read_enum(t, "auth_method", path, l.auth_method,
              {{"scram-sha-256", ClientAuthMethod::scram_sha_256},
               {"md5", ClientAuthMethod::md5},
               {"trust", ClientAuthMethod::trust}});
  c.read_endpoint(t, "backend", path, l.backend);
  if (!t.get("listen")) c.issue(path + ".listen", &t, "missing listen address");
  if (!t.get("backend")) c.issue(path + ".backend", &t, "missing backend");
  c.read(t, "default_database", path, l.default_database);
  c.read(t, "caching_sha2_full_auth", path, l.caching_sha2_full_auth);
  c.read(t, "pin_database", path, l.pin_database);
  if (l.pin_database && l.default_database.empty())
    c.issue(path + ".pin_database", &t, "needs default_database (the one database served)");
  c.read(t, "auth_user", path, l.auth_user);
  c.read(t, "auth_query", path, l.auth_query);
  c.read(t, "auth_dbname", path, l.auth_dbname);
  c.read(t, "server_version", path, l.server_version);
  c.read_duration(t, "read_timeout_seconds", path, l.read_timeout, 86400);
  c.read_duration(t, "write_timeout_seconds", path, l.write_timeout, 86400);
  if (auto* tls = c.table(t, "client_tls", path))
    read_tls(c, *tls, path + ".client_tls", l.client_tls, true);
  if (auto* tls = c.table(t, "server_tls", path))
    read_tls(c, *tls, path + ".server_tls", l.server_tls, false);
  return l;
}

void read_audit_jsonl(TomlChecker& c, const toml::table& t, const std::string& path,
                      AuditJsonlConfig& out) {
  c.unknown_keys(t, path, {"path", "fsync", "fsync_interval_ms", "rotate_bytes", "rotate_seconds"});
  c.read(t, "path", path, out.path);
  c.read_enum(t, "fsync", path, out.fsync,
              {{"none", AuditFsync::none},
               {"interval", AuditFsync::interval},
               {"always", AuditFsync::always}});
  c.read_duration(t, "fsync_interval_ms", path, out.fsync_interval, 3600 * 1000);
  c.read_int(t, "rotate_bytes", path, out.rotate_bytes, 0, std::int64_t{1} << 50);
  c.read_duration(t, "rotate_seconds", path, out.rotate_age, 86400 * 365);
  if (out.fsync == AuditFsync::interval && out.fsync_interval.count() == 0)
    c.issue(path + ".fsync_interval_ms", t.get("fsync_interval_ms"),
            "must be at least 1 with fsync = \"interval\"");
}

void read_audit_database(TomlChecker& c, const toml::table& t, const std::string& path,
                         AuditDatabaseConfig& out) {
  c.unknown_keys(t, path,
                 {"enabled", "protocol", "backend", "user", "password", "database", "table",
                  "batch_size", "flush_interval_ms", "queue_capacity"});
  c.read(t, "enabled", path, out.enabled);
  c.read_enum(t, "protocol", path, out.protocol,
              {{"postgres", Protocol::postgres}, {"mysql", Protocol::mysql}});
  c.read_endpoint(t, "backend", path, out.backend);
  c.read(t, "user", path, out.user);
  c.read(t, "password", path, out.password);
  c.read(t, "database", path, out.database);
  c.read(t, "table", path, out.table);
  c.read_int(t, "batch_size", path, out.batch_size, 1, 100000);
  c.read_duration(t, "flush_interval_ms", path, out.flush_interval, 3600 * 1000);
  c.read_int(t, "queue_capacity", path, out.queue_capacity, 1, 10000000);
  bool plain_name = !out.table.empty();
  for (char ch : out.table)
    plain_name =
        plain_name && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.');
  if (!plain_name)
    c.issue(path + ".table", t.get("table"), "expected a table name ([schema.]name, [A-Za-z0-9_])");
  if (out.enabled && (out.backend.port == 0 || out.user.empty() || out.database.empty()))
    c.issue(path, &t, "backend, user and database are required when enabled");
}

void read_audit(TomlChecker& c, const toml::table& t, AuditConfig& out) {
  const std::string path = "audit";
  c.unknown_keys(t, path,
                 {"enabled", "text", "queue_capacity", "full_queue", "fail_closed", "history_size",
                  "max_digests", "slow_threshold_ms", "slow_log_size", "slow_log_path", "jsonl",
                  "database", "syslog"});
  c.read(t, "enabled", path, out.enabled);
  c.read_enum(t, "text", path, out.text,
              {{"full", AuditTextMode::full},
               {"redacted", AuditTextMode::redacted},
               {"none", AuditTextMode::none}});
  c.read_int(t, "queue_capacity", path, out.queue_capacity, 16, 1 << 24);
  c.read_enum(t, "full_queue", path, out.full_queue,
              {{"block", AuditFullQueue::block}, {"drop", AuditFullQueue::drop}});
  c.read(t, "fail_closed", path, out.fail_closed);
  c.read_int(t, "history_size", path, out.history_size, 0, 1 << 24);
  c.read_int(t, "max_digests", path, out.max_digests, 0, 1 << 24);
  c.read_int(t, "slow_threshold_ms", path, out.slow_threshold_ms, 0, 86400 * 1000);
  c.read_int(t, "slow_log_size", path, out.slow_log_size, 0, 1 << 24);
  c.read(t, "slow_log_path", path, out.slow_log_path);
  if (auto* j = c.table(t, "jsonl", path)) read_audit_jsonl(c, *j, path + ".jsonl", out.jsonl);
  if (auto* d = c.table(t, "database", path))
    read_audit_database(c, *d, path + ".database", out.database);
  if (auto* s = c.table(t, "syslog", path)) {
    c.unknown_keys(*s, path + ".syslog", {"enabled", "ident", "facility"});
    c.read(*s, "enabled", path + ".syslog", out.syslog.enabled);
    c.read(*s, "ident", path + ".syslog", out.syslog.ident);
    c.read_enum(*s, "facility", path + ".syslog", out.syslog.facility,
                {{"local0", "local0"},
                 {"local1", "local1"},
                 {"local2", "local2"},
                 {"local3", "local3"},
                 {"local4", "local4"},
                 {"local5", "local5"},
                 {"local6", "local6"},
                 {"local7", "local7"},
                 {"user", "user"},
                 {"daemon", "daemon"},
                 {"auth", "auth"},
                 {"authpriv", "authpriv"}});
  }
}

void read_collectors(TomlChecker& c, const toml::table& t, CollectorsConfig& out) {
  const std::string path = "collectors";
  c.unknown_keys(t, path,
                 {"state_dir", "offline_after_seconds", "max_batch_queries", "max_digests"});
  c.read(t, "state_dir", path, out.state_dir);
  c.read_duration(t, "offline_after_seconds", path, out.offline_after, 86400 * 30);
  if (out.offline_after.count() == 0)
    c.issue(path + ".offline_after_seconds", t.get("offline_after_seconds"), "must be at least 1");
  c.read_int(t, "max_batch_queries", path, out.max_batch_queries, 1, 1000000);
  c.read_int(t, "max_digests", path, out.max_digests, 1, 1 << 24);
}

ProfileConfig read_profile(TomlChecker& c, const toml::table& t, const std::string& path,
                           std::string name) {
  ProfileConfig p;
  p.name = std::move(name);
  c.unknown_keys(
      t, path,
      {"base", "allowed_kinds", "denied_functions", "allowed_tables", "denied_tables", "max_length",
       "max_statements", "allow_writes", "allow_cross_database", "local_infile"});
  c.read(t, "base", path, p.base);
  auto strings = [&](std::string_view key, std::optional<std::vector<std::string>>& out) {
    if (!t.get(key)) return;
    std::vector<std::string> v;
    c.read_strings(t, key, path, v);
    out = std::move(v);
  };
  strings("allowed_kinds", p.allowed_kinds);
  strings("denied_functions", p.denied_functions);
  strings("allowed_tables", p.allowed_tables);
  strings("denied_tables", p.denied_tables);
  auto number = [&](std::string_view key, std::optional<std::uint32_t>& out) {
    if (!t.get(key)) return;
    std::uint32_t v = 0;
    c.read_int(t, key, path, v, 0, 1u << 30);
    out = v;
  };
  number("max_length", p.max_length);
  number("max_statements", p.max_statements);
  auto flag = [&](std::string_view key, std::optional<bool>& out) {
    if (!t.get(key)) return;
    bool v = false;
    c.read(t, key, path, v);
    out = v;
  };
  flag("allow_writes", p.allow_writes);
  flag("allow_cross_database", p.allow_cross_database);
  flag("local_infile", p.local_infile);
  if (p.allowed_kinds)
    for (const auto& k : *p.allowed_kinds)
      if (!is_statement_kind_name(k))
        c.issue(path + ".allowed_kinds", t.get("allowed_kinds"),
                fmt::format("unknown statement kind \"{}\"", k));
  return p;
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char ch : s)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  return true;
}

void read_admin(TomlChecker& c, const toml::table& a, AdminConfig& admin) {
  const std::string path = "admin";
  c.unknown_keys(
      a, path,
      {"enabled", "listen", "tls", "tokens", "allow_loopback_without_token", "max_connections",
       "max_header_bytes", "max_body_bytes", "read_timeout_ms", "idle_timeout_seconds"});
  c.read(a, "enabled", path, admin.enabled);
  c.read_endpoint(a, "listen", path, admin.listen);
  c.read(a, "allow_loopback_without_token", path, admin.allow_loopback_without_token);
  c.read_int(a, "max_connections", path, admin.max_connections, 1, 1000000);
  c.read_int(a, "max_header_bytes", path, admin.max_header_bytes, 1024, 1 << 20);
  c.read_int(a, "max_body_bytes", path, admin.max_body_bytes, 0, 64 << 20);
  c.read_duration(a, "read_timeout_ms", path, admin.read_timeout, 3600 * 1000);
  c.read_duration(a, "idle_timeout_seconds", path, admin.idle_timeout, 86400);
  if (auto* tls = c.table(a, "tls", path)) read_tls(c, *tls, path + ".tls", admin.tls, true);
  for (auto& [t, tpath] : c.table_array(a, "tokens")) {
    std::string p = "admin." + tpath;
    AdminToken tok;
    c.unknown_keys(*t, p, {"name", "token", "sha256", "role", "tenant"});
    c.read(*t, "name", p, tok.name);
    c.read(*t, "token", p, tok.token);
    c.read(*t, "sha256", p, tok.sha256);
    c.read_enum(
        *t, "role", p, tok.role,
        {{"read", AdminRole::read}, {"tools", AdminRole::tools}, {"admin", AdminRole::admin}});
    c.read(*t, "tenant", p, tok.tenant);
    if (tok.tenant == "*") tok.tenant.clear();
    if (tok.name.empty()) c.issue(p + ".name", t, "missing token name");
    if (!t->get("role")) c.issue(p + ".role", t, "missing role (read, tools or admin)");
    if (tok.token.empty() == tok.sha256.empty())
      c.issue(p, t, "give exactly one of token or sha256");
    if (!tok.sha256.empty() && !is_sha256_hex(tok.sha256))
      c.issue(p + ".sha256", t->get("sha256"), "expected 64 lower-case hex digits");
    admin.tokens.push_back(std::move(tok));
  }
}

}  // namespace

// Statement kinds a profile may allow (parsers::statement_kind_name spells
// the same names; a policy test keeps the two lists equal).
bool is_statement_kind_name(std::string_view name) noexcept {
  static constexpr std::string_view kKinds[] = {
      "select",   "insert",  "update",  "delete", "merge",  "replace",     "show",
      "describe", "explain", "set",     "txn",    "ddl",    "dcl",         "copy",
      "load",     "call",    "prepare", "use",    "lock",   "maintenance", "notify",
      "do",       "handler", "admin",   "help",   "client", "other"};
  for (auto k : kKinds)
    if (k == name) return true;
  return false;
}

void validate_config(const Config& config, std::vector<ConfigIssue>& issues) {
  std::map<std::uint16_t, std::string> ports;
  auto claim = [&](const Endpoint& ep, const std::string& path) {
    if (ep.port == 0) return;
    auto [it, inserted] = ports.emplace(ep.port, path);
    if (!inserted)
      issues.push_back(
          {path, 0, fmt::format("port {} is already used by {}", ep.port, it->second)});
  };
  if (config.admin.enabled) claim(config.admin.listen, "admin.listen");
  std::set<std::string> tenant_names;
  for (std::size_t i = 0; i < config.tenants.size(); ++i) {
    const auto& t = config.tenants[i];
    std::string path = fmt::format("tenants[{}]", i);
    if (t.name.empty()) issues.push_back({path + ".name", 0, "missing tenant name"});
    if (!tenant_names.insert(t.name).second)
      issues.push_back({path + ".name", 0, fmt::format("duplicate tenant name \"{}\"", t.name)});
    if (!t.postgres && !t.mysql)
      issues.push_back({path, 0, "a tenant needs a [postgres] or [mysql] listener with a backend"});
    if (t.postgres) claim(t.postgres->listen, path + ".postgres.listen");
    if (t.mysql) claim(t.mysql->listen, path + ".mysql.listen");
  }
  if (config.tenants.empty()) issues.push_back({"tenants", 0, "at least one tenant is required"});
  std::set<std::string> user_names;
  for (std::size_t i = 0; i < config.users.size(); ++i) {
    const auto& u = config.users[i];
    std::string path = fmt::format("users[{}]", i);
    if (u.name.empty()) issues.push_back({path + ".name", 0, "missing user name"});
    if (!user_names.insert(u.name).second)
      issues.push_back({path + ".name", 0, fmt::format("duplicate user \"{}\"", u.name)});
    for (const auto& tn : u.tenants)
      if (!tenant_names.count(tn))
        issues.push_back({path + ".tenants", 0, fmt::format("unknown tenant \"{}\"", tn)});
  }
  validate_auth_users(config, issues);
  std::set<std::string> token_names;
  for (std::size_t i = 0; i < config.admin.tokens.size(); ++i) {
    const auto& tok = config.admin.tokens[i];
    std::string path = fmt::format("admin.tokens[{}]", i);
    if (!tok.name.empty() && !token_names.insert(tok.name).second)
      issues.push_back({path + ".name", 0, fmt::format("duplicate token name \"{}\"", tok.name)});
    if (!tok.tenant.empty() && !tenant_names.count(tok.tenant))
      issues.push_back({path + ".tenant", 0, fmt::format("unknown tenant \"{}\"", tok.tenant)});
  }
  validate_profiles(config, issues);
}

// auth_user names the [[users]] entry whose backend credentials run
// auth_query; the proxy must know its password in clear (a SCRAM verifier
// cannot log in to the backend before any client has proved it).
void validate_auth_users(const Config& config, std::vector<ConfigIssue>& issues) {
  auto check = [&](const std::optional<ListenerConfig>& l, const std::string& path) {
    if (!l || l->auth_user.empty()) return;
    const UserConfig* u = config.find_user(l->auth_user);
    if (!u) {
      issues.push_back(
          {path, 0, fmt::format("auth_user \"{}\" is not a [[users]] entry", l->auth_user)});
      return;
    }
    const std::string& pw =
        (u->backend_password.empty() ? u->password : u->backend_password).reveal();
    bool hash = pw.rfind("SCRAM-SHA-256$", 0) == 0 || (pw.size() == 41 && pw[0] == '*');
    if (hash)
      issues.push_back({path, 0,
                        fmt::format("auth_user \"{}\" needs a plain password or backend_password",
                                    l->auth_user)});
  };
  for (std::size_t i = 0; i < config.tenants.size(); ++i) {
    check(config.tenants[i].postgres, fmt::format("tenants[{}].postgres.auth_user", i));
    check(config.tenants[i].mysql, fmt::format("tenants[{}].mysql.auth_user", i));
  }
}

void validate_profiles(const Config& config, std::vector<ConfigIssue>& issues) {
  auto known = [&](std::string_view name) {
    return is_builtin_profile(name) || config.find_profile(name) != nullptr;
  };
  std::set<std::string> seen;
  for (const auto& p : config.profiles) {
    std::string path = "profiles." + p.name;
    if (is_builtin_profile(p.name) && !is_allow_all_override(p))
      issues.push_back(
          {path, 0,
           fmt::format("\"{}\" is a built-in profile (only [profiles.allow_all] local_infile "
                       "may be set)",
                       p.name)});
    if (!seen.insert(p.name).second)
      issues.push_back({path, 0, fmt::format("duplicate profile \"{}\"", p.name)});
    if (!is_builtin_profile(p.base) && !is_allow_all_override(p))
      issues.push_back(
          {path + ".base", 0,
           fmt::format("unknown base profile \"{}\" (allow_all, read_only, exo_ai)", p.base)});
  }
  for (std::size_t i = 0; i < config.tenants.size(); ++i) {
    const auto& t = config.tenants[i];
    if (!known(t.default_profile))
      issues.push_back({fmt::format("tenants[{}].default_profile", i), 0,
                        fmt::format("unknown profile \"{}\"", t.default_profile)});
  }
  for (std::size_t i = 0; i < config.users.size(); ++i) {
    const auto& u = config.users[i];
    if (!u.profile.empty() && !known(u.profile))
      issues.push_back({fmt::format("users[{}].profile", i), 0,
                        fmt::format("unknown profile \"{}\"", u.profile)});
  }
}

ConfigLoad load_toml_config_text(std::string_view text, std::string_view source_name) {
  ConfigLoad out;
  toml::table root;
  try {
    // toml++ as packaged reports syntax errors by exception; config loading
    // is outside the data path, so it is caught right here.
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& err) {
    out.issues.push_back({"(syntax)", err.source().begin.line, std::string(err.description())});
    return out;
  }
  TomlChecker c(out.issues);
  Config& cfg = out.config;
  // [tools] belongs to the AI tools (proxy/admin/tools/tools_config.hpp) and
  // [cloning] to the tenant clones (proxy/tenants/cloning_config.hpp), which
  // read them themselves: the core snapshot does not need their keys.
  c.unknown_keys(root, "",
                 {"server", "admin", "audit", "collectors", "tools", "cloning", "pool", "tenants",
                  "users", "profiles"});

  if (auto* s = c.table(root, "server", "")) {
    c.unknown_keys(
        *s, "server",
        {"workers", "log_level", "log_format", "shutdown_grace_seconds", "max_client_connections",
         "max_message_bytes", "client_auth_timeout_ms", "client_idle_timeout_seconds"});
    c.read_int(*s, "workers", "server", cfg.server.workers, 0, 1024);
    c.read_enum(*s, "log_level", "server", cfg.server.log_level,
                {{"trace", "trace"},
                 {"debug", "debug"},
                 {"info", "info"},
                 {"warn", "warn"},
                 {"error", "error"},
                 {"critical", "critical"},
                 {"off", "off"}});
    c.read_enum(*s, "log_format", "server", cfg.server.log_format,
                {{"text", LogFormat::text}, {"json", LogFormat::json}});
    c.read_duration(*s, "shutdown_grace_seconds", "server", cfg.server.shutdown_grace, 3600);
    c.read_int(*s, "max_client_connections", "server", cfg.server.max_client_connections, 1,
               10000000);
    c.read_int(*s, "max_message_bytes", "server", cfg.server.max_message_bytes, 1024, 1 << 30);
    c.read_duration(*s, "client_auth_timeout_ms", "server", cfg.server.client_auth_timeout,
                    3600 * 1000);
    c.read_duration(*s, "client_idle_timeout_seconds", "server", cfg.server.client_idle_timeout,
                    86400 * 365);
  }

  if (auto* a = c.table(root, "admin", "")) read_admin(c, *a, cfg.admin);

  if (auto* a = c.table(root, "audit", "")) read_audit(c, *a, cfg.audit);

  if (auto* k = c.table(root, "collectors", "")) read_collectors(c, *k, cfg.collectors);

  PoolConfig default_pool;
  if (auto* p = c.table(root, "pool", "")) read_pool(c, *p, "pool", default_pool);

  for (auto& [t, path] : c.table_array(root, "tenants")) {
    TenantConfig tenant;
    tenant.pool = default_pool;
    c.unknown_keys(*t, path,
                   {"name", "default_profile", "postgres", "mysql", "pool", "slow_threshold_ms"});
    c.read(*t, "name", path, tenant.name);
    if (t->get("slow_threshold_ms")) {
      std::uint32_t ms = 0;
      c.read_int(*t, "slow_threshold_ms", path, ms, 0, 86400 * 1000);
      tenant.slow_threshold_ms = ms;
    }
    c.read(*t, "default_profile", path, tenant.default_profile);
    if (auto* p = c.table(*t, "pool", path)) read_pool(c, *p, path + ".pool", tenant.pool);
    if (auto* l = c.table(*t, "postgres", path))
      tenant.postgres = read_listener(c, *l, path + ".postgres");
    if (tenant.postgres && tenant.postgres->auth_query.empty())
      tenant.postgres->auth_query = std::string(kDefaultPgAuthQuery);
    if (auto* l = c.table(*t, "mysql", path)) tenant.mysql = read_listener(c, *l, path + ".mysql");
    if (tenant.mysql && tenant.mysql->auth_query.empty())
      tenant.mysql->auth_query = std::string(kDefaultMyAuthQuery);
    cfg.tenants.push_back(std::move(tenant));
  }

  if (auto* profiles = c.table(root, "profiles", "")) {
    for (const auto& [key, node] : *profiles) {
      std::string path = "profiles." + std::string(key.str());
      if (!node.is_table()) {
        c.issue(path, &node, "expected a table ([profiles.NAME])");
        continue;
      }
      cfg.profiles.push_back(read_profile(c, *node.as_table(), path, std::string(key.str())));
    }
  }

  for (auto& [u, path] : c.table_array(root, "users")) {
    UserConfig user;
    c.unknown_keys(*u, path,
                   {"name", "password", "profile", "backend_user", "backend_password", "tenants",
                    "pool_mode"});
    c.read(*u, "name", path, user.name);
    c.read(*u, "password", path, user.password);
    c.read(*u, "profile", path, user.profile);
    c.read(*u, "backend_user", path, user.backend_user);
    c.read(*u, "backend_password", path, user.backend_password);
    c.read_strings(*u, "tenants", path, user.tenants);
    if (u->get("pool_mode")) {
      PoolMode mode = PoolMode::session;
      c.read_enum(*u, "pool_mode", path, mode, kPoolModes);
      user.pool_mode = mode;
    }
    if (!u->get("password")) c.issue(path + ".password", u, "missing password");
    cfg.users.push_back(std::move(user));
  }

  validate_config(cfg, out.issues);
  return out;
}

namespace {
std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The seed's single MySQL backend as a one-tenant, one-user snapshot. The
// seed's user is the AI tool user, so the seed's whitelist profile applies.
Config single_mysql_tenant(const Endpoint& listen, const Endpoint& backend, const std::string& user,
                           const std::string& password, const std::string& database,
                           std::uint32_t pool_size) {
  Config cfg;
  TenantConfig tenant;
  tenant.name = "default";
  tenant.default_profile = "exo_ai";
  tenant.pool.size = pool_size;
  ListenerConfig l;
  l.listen = listen;
  l.backend = backend;
  l.default_database = database;
  tenant.mysql = l;
  cfg.tenants.push_back(std::move(tenant));
  UserConfig u;
  u.name = user;
  u.password = Secret(password);
  cfg.users.push_back(std::move(u));
  return cfg;
}
}  // namespace

ConfigLoad load_toml_config_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) {
    ConfigLoad out;
    out.issues.push_back({"(file)", 0, "cannot read " + path});
    return out;
  }
  return load_toml_config_text(*text, path);
}

ConfigLoad load_db_config_json_text(std::string_view text, const Endpoint& listen) {
  ConfigLoad out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    out.issues.push_back({"(syntax)", 0, "not a JSON object"});
    return out;
  }
  static const std::set<std::string> known = {"host",
                                              "port",
                                              "user",
                                              "password",
                                              "database",
                                              "charset",
                                              "max_connections",
                                              "connection_timeout",
                                              "read_timeout",
                                              "write_timeout"};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (!known.count(it.key())) out.issues.push_back({it.key(), 0, "unknown key"});
  auto str = [&](const char* key, std::string def) {
    if (!j.contains(key)) return def;
    if (!j[key].is_string()) {
      out.issues.push_back({key, 0, "expected a string"});
      return def;
    }
    return j[key].get<std::string>();
  };
  auto num = [&](const char* key, std::int64_t def, std::int64_t min, std::int64_t max) {
    if (!j.contains(key)) return def;
    if (!j[key].is_number_integer()) {
      out.issues.push_back({key, 0, "expected an integer"});
      return def;
    }
    std::int64_t v = j[key].get<std::int64_t>();
    if (v < min || v > max) {
      out.issues.push_back({key, 0, fmt::format("must be between {} and {}", min, max)});
      return def;
    }
    return v;
  };
  Endpoint backend{str("host", "localhost"),
                   static_cast<std::uint16_t>(num("port", 3306, 1, 65535))};
  std::string charset = str("charset", "utf8mb4");
  auto pool_size = static_cast<std::uint32_t>(num("max_connections", 20, 1, 100000));
  out.config = single_mysql_tenant(listen, backend, str("user", ""), str("password", ""),
                                   str("database", ""), pool_size);
  auto& l = *out.config.tenants[0].mysql;
  out.config.tenants[0].pool.connect_timeout =
      std::chrono::seconds(num("connection_timeout", 30, 1, 3600));
  l.read_timeout = std::chrono::seconds(num("read_timeout", 60, 0, 86400));
  l.write_timeout = std::chrono::seconds(num("write_timeout", 60, 0, 86400));
  if (out.config.users[0].name.empty()) out.issues.push_back({"user", 0, "missing user"});
  validate_config(out.config, out.issues);
  return out;
}

ConfigLoad load_db_config_json_file(const std::string& path, const Endpoint& listen) {
  auto text = read_file(path);
  if (!text) {
    ConfigLoad out;
    out.issues.push_back({"(file)", 0, "cannot read " + path});
    return out;
  }
  return load_db_config_json_text(*text, listen);
}

ConfigLoad load_mariadb_env(EnvLookup getenv_fn, const Endpoint& listen) {
  ConfigLoad out;
  auto env = [&](const char* key, const char* def) {
    const char* v = getenv_fn(key);
    return std::string(v ? v : def);
  };
  auto env_num = [&](const char* key, unsigned def, unsigned min, unsigned max) {
    std::string v = env(key, "");
    if (v.empty()) return def;
    unsigned n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc{} || ptr != v.data() + v.size() || n < min || n > max) {
      out.issues.push_back(
          {key, 0, fmt::format("expected an integer between {} and {}", min, max)});
      return def;
    }
    return n;
  };
  Endpoint backend{env("MARIADB_HOST", "localhost"),
                   static_cast<std::uint16_t>(env_num("MARIADB_PORT", 3306, 1, 65535))};
  out.config = single_mysql_tenant(listen, backend, env("MARIADB_USER", ""),
                                   env("MARIADB_PASSWORD", ""), env("MARIADB_DATABASE", ""),
                                   env_num("MARIADB_MAX_CONNECTIONS", 20, 1, 100000));
  if (out.config.users[0].name.empty()) out.issues.push_back({"MARIADB_USER", 0, "missing user"});
  validate_config(out.config, out.issues);
  return out;
}

}  // namespace sw
