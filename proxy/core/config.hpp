#pragma once
// The configuration snapshot: plain values, immutable once loaded. A reload
// builds a new snapshot and swaps a shared_ptr; nothing here knows TOML.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/core/secret.hpp"

namespace sw {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

enum class Protocol { postgres, mysql };
const char* protocol_name(Protocol p) noexcept;

enum class TlsMode {
  disabled,  // never offer TLS
  allow,     // offer TLS, accept plain
  require,   // refuse plain connections
};

struct TlsConfig {
  TlsMode mode = TlsMode::disabled;
  std::string cert_file;
  std::string key_file;
  std::string ca_file;  // server side: CA to verify the backend's certificate
};

enum class PoolMode { session, transaction, statement };
const char* pool_mode_name(PoolMode m) noexcept;

// One pool per (tenant, backend, database, backend user); these limits apply
// to each, process-wide (pool/README.md).
struct PoolConfig {
  PoolMode mode = PoolMode::transaction;
  std::uint32_t size = 20;  // seed 000: pool of 20; the most the backend ever sees
  std::uint32_t min_idle = 0;
  std::uint32_t reserve_size = 0;  // extra connections for clients waiting > reserve_timeout
  std::chrono::milliseconds reserve_timeout{5000};
  std::uint32_t max_client_connections = 0;  // clients per pool; 0 = unlimited
  std::chrono::seconds server_idle_timeout{600};
  std::chrono::seconds server_lifetime{3600};  // 0 = forever
  std::chrono::milliseconds connect_timeout{5000};
  std::string server_check_query;                  // "" = the protocol's cheapest ping
  std::chrono::seconds server_check_interval{30};  // check connections idle this long; 0 = never
  std::chrono::milliseconds client_wait_timeout{120000};  // then 53300 / 1040-style error
  // true: state that would pin a client in transaction/statement mode
  // (temp tables, LISTEN, ...) is refused with an error instead.
  bool strict = false;
  // LISTEN/NOTIFY in transaction and statement mode (PostgreSQL): the one
  // listening server connection per pool key is one of `size` (1) or comes
  // on top of it (0).
  std::uint32_t listen_connections = 1;
  // Notifications queued per client before it is closed as too slow.
  std::uint32_t listen_queue_size = 10000;
};

// How the proxy authenticates clients (PostgreSQL listeners; MySQL ignores it).
enum class ClientAuthMethod {
  scram_sha_256,  // SCRAM-SHA-256 (works with plain passwords and SCRAM verifiers)
  md5,            // md5 challenge (needs a plain password; SCRAM verifiers fall back to SCRAM)
  trust,          // no password check: for tests only
};

struct ListenerConfig {
  Endpoint listen;
  Endpoint backend;
  std::string default_database;  // when the client names none
  // Serve default_database only: a client naming another database (startup
  // packet, MySQL handshake, COM_INIT_DB, USE) is refused. Tenant clone
  // listeners always pin (docs/tenants.md).
  bool pin_database = false;
  TlsConfig client_tls;                   // proxy as server, towards clients
  TlsConfig server_tls;                   // proxy as client, towards the backend
  std::chrono::seconds read_timeout{0};   // 0 = none
  std::chrono::seconds write_timeout{0};  // 0 = none
  ClientAuthMethod auth_method = ClientAuthMethod::scram_sha_256;
  // MySQL: answer caching_sha2_password clients as a server with a cold
  // cache does — full authentication, the password sent over TLS.
  bool caching_sha2_full_auth = false;
  // Authentication pass-through (PgBouncer's auth_user / auth_query): a
  // client whose user has no [[users]] entry is checked against the
  // password hash the backend stores, read by `auth_query` over a
  // connection logged in as `auth_user` (a [[users]] entry). PostgreSQL:
  // $1 = the user name, returns name and hash, run in `auth_dbname` (empty
  // = the database the client asked for). MySQL: each ? is the user name,
  // returns plugin and authentication_string. Empty auth_user = off.
  std::string auth_user;
  std::string auth_query;
  std::string auth_dbname;
  // MySQL: the version string of the proxy's greeting. Empty = the backend's
  // own, cached from its last handshake (capabilities and charset always are).
  std::string server_version;
};

// The default auth_query: the SECURITY DEFINER lookup function that
// docs/auth-query.md shows how to create (config/samples/auth_lookup.pg.sql).
inline constexpr std::string_view kDefaultPgAuthQuery =
    "SELECT rolname, rolpassword FROM sqlwarden.user_lookup($1)";
// MySQL: plugin and stored hash of the account `?`@'%' (docs/auth-query.md);
// the auth user needs SELECT on mysql.user.
inline constexpr std::string_view kDefaultMyAuthQuery =
    "SELECT plugin, authentication_string FROM mysql.user WHERE User = ? AND Host = '%'";

struct TenantConfig {
  std::string name;
  std::string default_profile = "allow_all";
  std::optional<ListenerConfig> postgres;
  std::optional<ListenerConfig> mysql;
  PoolConfig pool;
  std::optional<std::uint32_t> slow_threshold_ms;  // unset = [audit] slow_threshold_ms
};

struct UserConfig {
  std::string name;
  Secret password;                    // plain password, or a SCRAM verifier ("SCRAM-SHA-256$...")
  std::string profile;                // empty = the tenant's default profile
  std::string backend_user;           // empty = same as name
  Secret backend_password;            // empty = same as password (when it is plain)
  std::vector<std::string> tenants;   // empty = every tenant
  std::optional<PoolMode> pool_mode;  // overrides the tenant's pool mode for this user
};

enum class LogFormat { text, json };

struct ServerConfig {
  std::uint32_t workers = 0;  // 0 = one per core
  std::string log_level = "info";
  LogFormat log_format = LogFormat::text;
  std::chrono::seconds shutdown_grace{10};
  std::uint32_t max_client_connections = 10000;
  std::uint32_t max_message_bytes = 64u << 20;
  std::chrono::milliseconds client_auth_timeout{10000};
  std::chrono::seconds client_idle_timeout{0};  // 0 = none
};

// Who may call the admin API. A token is stored either in clear (`token`)
// or as the hex SHA-256 of its value (`sha256`); both are compared as
// SHA-256 digests in constant time.
enum class AdminRole {
  read,
  tools,
  admin
};  // ordered: each role may do what the ones before it may
const char* admin_role_name(AdminRole r) noexcept;

struct AdminToken {
  std::string name;
  Secret token;        // the token itself, or empty when only sha256 is given
  std::string sha256;  // lower-case hex SHA-256 of the token, when `token` is not given
  AdminRole role = AdminRole::read;
  std::string tenant;  // tenant scope; empty = every tenant
};

struct AdminConfig {
  bool enabled = true;
  Endpoint listen{"127.0.0.1", 8000};
  TlsConfig tls;  // same shape as a listener's client_tls
  std::vector<AdminToken> tokens;
  bool allow_loopback_without_token = false;  // loopback peers act as admin without a token
  std::uint32_t max_connections = 256;
  std::uint32_t max_header_bytes = 16 * 1024;  // request line + headers
  std::uint32_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds read_timeout{10000};  // one request, first byte to last
  std::chrono::seconds idle_timeout{60};          // keep-alive connection without a request
};

// What the audit trail keeps of a statement's text ([audit] text).
enum class AuditTextMode {
  full,      // as sent (passwords still masked); extended-protocol parameters included
  redacted,  // every literal replaced by ?
  none,      // normalised text and fingerprint only
};
enum class AuditFullQueue { block, drop };
enum class AuditFsync { none, interval, always };
const char* audit_text_mode_name(AuditTextMode m) noexcept;

struct AuditJsonlConfig {
  std::string path;  // empty = no file
  AuditFsync fsync = AuditFsync::interval;
  std::chrono::milliseconds fsync_interval{1000};
  std::uint64_t rotate_bytes = 0;      // 0 = never by size
  std::chrono::seconds rotate_age{0};  // 0 = never by age
};

// The database sink: seed 000's query_log table, filled in batches on the
// sink's own connection.
struct AuditDatabaseConfig {
  bool enabled = false;
  Protocol protocol = Protocol::postgres;
  Endpoint backend;
  std::string user;
  Secret password;
  std::string database;
  std::string table = "query_log";
  std::uint32_t batch_size = 200;
  std::chrono::milliseconds flush_interval{1000};
  std::uint32_t queue_capacity = 100000;  // records waiting for the database; beyond: dropped
};

struct AuditSyslogConfig {
  bool enabled = false;
  std::string ident = "sqlwarden";
  std::string facility = "local0";  // local0..local7, user, daemon, auth, authpriv
};

struct AuditConfig {
  bool enabled = true;
  AuditTextMode text = AuditTextMode::redacted;
  std::uint32_t queue_capacity = 16384;  // records per worker queue
  AuditFullQueue full_queue = AuditFullQueue::block;
  bool fail_closed = false;               // refuse statements while a sink cannot write
  std::uint32_t history_size = 1000;      // records kept per tenant (seed 000)
  std::uint32_t max_digests = 10000;      // distinct (tenant, user, database, fingerprint)
  std::uint32_t slow_threshold_ms = 500;  // seed 001; a tenant may override
  std::uint32_t slow_log_size = 10000;    // slow records kept in memory
  std::string slow_log_path;              // empty = no slow-log file
  AuditJsonlConfig jsonl;
  AuditDatabaseConfig database;
  AuditSyslogConfig syslog;
};

// [collectors]: the receiving API for slow-query collectors (issue 17,
// seed 001). Off until state_dir is set.
struct CollectorsConfig {
  std::string state_dir;                    // registry + received queries; empty = API off
  std::chrono::seconds offline_after{120};  // OFFLINE after this long without a heartbeat
  std::uint32_t max_batch_queries = 10000;  // queries per POSTed batch
  std::uint32_t max_digests = 10000;        // distinct fingerprints kept per collector
  bool enabled() const noexcept { return !state_dir.empty(); }
};

// Built-in policy profiles (policy/profile.cpp defines what they allow).
inline constexpr std::string_view kBuiltinProfiles[] = {"allow_all", "read_only", "exo_ai"};
bool is_builtin_profile(std::string_view name) noexcept;

struct ProfileConfig;
// [profiles.allow_all] holding nothing but local_infile: the one setting of a
// built-in profile the config may change.
bool is_allow_all_override(const ProfileConfig& p) noexcept;

// A custom policy profile ([profiles.NAME]): starts from a built-in one
// (`base`) and overrides what is set. Unset keys keep the base's value.
struct ProfileConfig {
  std::string name;
  std::string base = "exo_ai";
  std::optional<std::vector<std::string>> allowed_kinds;     // statement kind names
  std::optional<std::vector<std::string>> denied_functions;  // "name", "prefix*", "@default"
  std::optional<std::vector<std::string>> allowed_tables;    // "[schema.]name"; [] = all
  std::optional<std::vector<std::string>> denied_tables;     // "[schema.]name", "@secrets"
  std::optional<std::uint32_t> max_length;                   // characters; 0 = unlimited
  std::optional<std::uint32_t> max_statements;               // per request; 0 = unlimited
  std::optional<bool> allow_writes;
  std::optional<bool> allow_cross_database;
  std::optional<bool> local_infile;  // MySQL LOAD DATA LOCAL INFILE (default off)
};

struct Config {
  ServerConfig server;
  AdminConfig admin;
  AuditConfig audit;
  CollectorsConfig collectors;
  std::vector<TenantConfig> tenants;
  std::vector<UserConfig> users;
  std::vector<ProfileConfig> profiles;

  const UserConfig* find_user(std::string_view name) const;
  const TenantConfig* find_tenant(std::string_view name) const;
  const ProfileConfig* find_profile(std::string_view name) const;
  // The profile a user gets on a tenant: the user's own, else the tenant's default.
  std::string_view profile_for(const UserConfig* user, const TenantConfig* tenant) const;
  // The pool mode a user gets on a tenant: the user's override, else the tenant's.
  static PoolMode pool_mode_for(const UserConfig* user, const TenantConfig& tenant) noexcept {
    return user && user->pool_mode ? *user->pool_mode : tenant.pool.mode;
  }
};

using ConfigPtr = std::shared_ptr<const Config>;

}  // namespace sw
