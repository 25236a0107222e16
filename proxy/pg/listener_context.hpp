#pragma once
// What every PostgreSQL client session on one worker and listener shares:
// config, the worker's statement gate, TLS contexts and a per-worker cache
// of SCRAM verifiers derived from plain passwords (PBKDF2 is too slow to
// run on every login). Used from one worker thread only: no locks.
#include <memory>
#include <string>
#include <unordered_map>

#include "policy/gate.hpp"
#include "pool/prepared.hpp"
#include "pool/registry.hpp"
#include "proxy/audit_hook/audit_port.hpp"
#include "proxy/core/config.hpp"
#include "proxy/net/tls.hpp"
#include "proxy/pg/auth/scram.hpp"
#include "proxy/pg/server_connection.hpp"

namespace sw::pg {

struct ListenerContext : std::enable_shared_from_this<ListenerContext> {
  ConfigPtr config;
  const TenantConfig* tenant = nullptr;
  const ListenerConfig* listener = nullptr;
  std::shared_ptr<policy::StatementGate> gate;
  std::shared_ptr<audit_hook::AuditPort> audit;  // null: audit off
  std::shared_ptr<net::TlsContext> client_tls;   // null unless client_tls.mode != disabled
  std::shared_ptr<net::TlsContext> server_tls;   // null unless server_tls.mode != disabled
  std::string tls_problem;                       // why a configured TLS context is missing
  std::unordered_map<std::string, auth::ScramVerifier> scram_cache;
  auth::SaltedPasswordCache backend_scram_cache;  // logins to the backend

  // Pooling (this worker): shards per pool key, created on first use with
  // the worker's executor; the pooled prepared statements; tags that tell
  // whose unnamed statement a server connection holds.
  std::unique_ptr<pool::WorkerPools> pools;
  pool::StatementCatalog statements;
  std::uint64_t next_unnamed_tag = 1;
  std::unordered_map<pool::PoolKey, ServerLogin, pool::PoolKeyHash> pool_logins;  // for min_idle
  // The shard of `key` (starts the worker's pool maintenance on first use).
  std::shared_ptr<pool::Shard> shard(const net::asio::any_io_executor& ex, const pool::PoolKey& key,
                                     const ServerLogin& login);

  static std::shared_ptr<ListenerContext> make(ConfigPtr config, const TenantConfig& tenant,
                                               const ListenerConfig& listener,
                                               std::shared_ptr<policy::StatementGate> gate);
};

}  // namespace sw::pg
