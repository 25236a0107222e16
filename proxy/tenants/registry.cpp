#include "proxy/tenants/registry.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace sw::tenants {
namespace {

using nlohmann::json;
constexpr int kFormatVersion = 1;

json record_to_json(const TenantRecord& r) {
  return {{"tenant_id", r.id},
          {"database_type", engine_name(r.engine)},
          {"root_version", r.root_version},
          {"template_database", r.template_db},
          {"database", r.database},
          {"user", r.user},
          {"password_sealed", r.sealed_password},
          {"host", r.listen_host},
          {"port", r.port},
          {"state", state_name(r.state)},
          {"created_at", r.created_at},
          {"updated_at", r.updated_at},
          {"last_error", r.last_error}};
}

Result<TenantRecord> record_from_json(const json& j) {
  auto bad = [](const std::string& what) {
    return make_error(Errc::config, "tenant registry: " + what);
  };
  if (!j.is_object()) return bad("a record is not an object");
  TenantRecord r;
  try {
    r.id = j.at("tenant_id").get<std::string>();
    auto engine = parse_engine(j.at("database_type").get<std::string>());
    if (!engine) return bad(r.id + ": " + engine.error().message);
    r.engine = *engine;
    r.root_version = j.value("root_version", "");
    r.template_db = j.value("template_database", "");
    r.database = j.at("database").get<std::string>();
    r.user = j.at("user").get<std::string>();
    r.sealed_password = j.value("password_sealed", "");
    r.listen_host = j.value("host", "127.0.0.1");
    r.port = j.at("port").get<std::uint16_t>();
    auto state = parse_state(j.at("state").get<std::string>());
    if (!state) return bad(r.id + ": unknown state");
    r.state = *state;
    r.created_at = j.value("created_at", "");
    r.updated_at = j.value("updated_at", "");
    r.last_error = j.value("last_error", "");
  } catch (const json::exception& e) {
    return bad(std::string("malformed record: ") + e.what());
  }
  if (auto valid = validate_tenant_id(r.id); !valid) return bad(valid.error().message);
  return r;
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

const char* state_name(TenantState s) noexcept {
  switch (s) {
    case TenantState::creating:
      return "creating";
    case TenantState::active:
      return "active";
    case TenantState::stopped:
      return "stopped";
    case TenantState::removed:
      return "removed";
  }
  return "?";
}

std::optional<TenantState> parse_state(std::string_view s) noexcept {
  for (auto st :
       {TenantState::creating, TenantState::active, TenantState::stopped, TenantState::removed})
    if (s == state_name(st)) return st;
  return std::nullopt;
}

std::string utc_now_iso8601() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Status write_file_atomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(Errc::io, fmt::format("{}: {}", tmp, std::strerror(errno)));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return make_error(Errc::io, fmt::format("{}: {}", tmp, std::strerror(err)));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return make_error(Errc::io, fmt::format("fsync {}: {}", tmp, std::strerror(err)));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(Errc::io, fmt::format("rename to {}: {}", path, std::strerror(errno)));
  // The rename itself is durable only once the directory is.
  int dir = ::open(parent_dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return make_error(Errc::io, "cannot open the directory of " + path);
  int rc = ::fsync(dir);
  ::close(dir);
  if (rc != 0) return make_error(Errc::io, "fsync of the directory of " + path + " failed");
  return {};
}

Result<Registry> Registry::load(const std::string& path) {
  Registry reg;
  reg.path_ = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) return reg;  // first start
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("tenants") || !j["tenants"].is_array())
    return make_error(Errc::config,
                      path + ": not a tenant registry (expected {\"tenants\": [...]})");
  for (const auto& item : j["tenants"]) {
    auto r = record_from_json(item);
    if (!r) return make_error(Errc::config, path + ": " + r.error().message);
    reg.records_[r->id] = std::move(*r);
  }
  return reg;
}

const TenantRecord* Registry::find(const std::string& id) const {
  auto it = records_.find(id);
  return it == records_.end() ? nullptr : &it->second;
}

Status Registry::put(TenantRecord record) {
  auto previous = records_.find(record.id);
  std::optional<TenantRecord> old;
  if (previous != records_.end()) old = previous->second;
  std::string id = record.id;
  records_[id] = std::move(record);
  if (auto saved = save(); !saved) {
    // Memory never runs ahead of the file.
    if (old)
      records_[id] = std::move(*old);
    else
      records_.erase(id);
    return saved;
  }
  return {};
}

std::vector<std::uint16_t> Registry::ports_in_use() const {
  std::vector<std::uint16_t> out;
  for (const auto& [id, r] : records_)
    if (r.state != TenantState::removed && r.port != 0) out.push_back(r.port);
  return out;
}

Status Registry::save() const {
  json list = json::array();
  for (const auto& [id, r] : records_) list.push_back(record_to_json(r));
  json doc = {{"version", kFormatVersion}, {"tenants", list}};
  return write_file_atomic(path_, doc.dump(2) + "\n");
}

}  // namespace sw::tenants
