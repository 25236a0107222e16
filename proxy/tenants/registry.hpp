#pragma once
// The durable tenant registry (seed 003's clone_registry.json): one JSON
// file, replaced atomically (write a temporary file, fsync it, rename it
// over the old one, fsync the directory) on every change, so a crash leaves
// either the old or the new file, never a torn one.
//
// A create is recorded as `creating` before the first backend object
// exists; a record still `creating` when the proxy starts was interrupted
// mid-create, and the manager cleans its backend objects up (seed 003's
// cleanup_failed_clone). Removed tenants stay listed as `removed` until the
// id is used again. The password is kept sealed (secret_box.hpp), never in
// clear.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "proxy/core/result.hpp"
#include "proxy/tenants/tenant_id.hpp"

namespace sw::tenants {

enum class TenantState { creating, active, stopped, removed };
const char* state_name(TenantState s) noexcept;
std::optional<TenantState> parse_state(std::string_view s) noexcept;

struct TenantRecord {
  std::string id;
  Engine engine = Engine::postgresql;
  std::string root_version;     // template version, "v1.0"
  std::string template_db;      // the template's database, "exo_cluster"
  std::string database;         // tenant_{id}_db
  std::string user;             // backend role / account, also the proxy user
  std::string sealed_password;  // SecretBox::seal() output
  std::string listen_host = "127.0.0.1";
  std::uint16_t port = 0;
  TenantState state = TenantState::creating;
  std::string created_at;  // ISO 8601 UTC
  std::string updated_at;
  std::string last_error;  // why the last operation failed ("" = none)
};

class Registry {
 public:
  // Reads `path`; a missing file is an empty registry.
  static Result<Registry> load(const std::string& path);

  const std::string& path() const noexcept { return path_; }
  const std::map<std::string, TenantRecord>& records() const noexcept { return records_; }
  const TenantRecord* find(const std::string& id) const;
  // Replaces or adds the record and writes the file before returning.
  Status put(TenantRecord record);
  // Ports held by records that are not removed.
  std::vector<std::uint16_t> ports_in_use() const;

 private:
  Status save() const;
  std::string path_;
  std::map<std::string, TenantRecord> records_;
};

// Writes `text` to `path` atomically and durably (temp + fsync + rename +
// directory fsync).
Status write_file_atomic(const std::string& path, const std::string& text);

std::string utc_now_iso8601();

}  // namespace sw::tenants
