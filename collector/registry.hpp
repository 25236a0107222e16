#pragma once
// The receiving side of seed 001's collector protocol, protocol-neutral (no
// HTTP here; proxy/admin/collector_routes.cpp is the glue):
//   - registered collectors, their API keys (SHA-256 only), last heartbeat
//     and the statistics it carried; ONLINE while the last heartbeat is
//     younger than `offline_after` (seed: 2 minutes);
//   - per collector, a command queue (command.hpp);
//   - per collector, the received slow queries: batches deduplicated by
//     batch id and aggregated by fingerprint into an audit::DigestTable, the
//     same statistics the proxy keeps for its own traffic.
// Durability: the registry is one JSON file (`collectors.json`, replaced
// atomically on every change); each collector's batches are appended, one
// JSON line per batch and fsynced before the batch is acknowledged, to
// `collector-<id>-queries.jsonl`, and replayed at open. One mutex: collector
// traffic is a few requests a minute per collector, and callers run it off
// the proxy's workers (it fsyncs).
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/digests.hpp"
#include "collector/batch.hpp"
#include "collector/command.hpp"
#include "proxy/core/result.hpp"

namespace sw::collector {

using Clock = std::chrono::system_clock;

struct RegistryOptions {
  std::string state_dir;
  std::chrono::seconds offline_after{120};
  std::size_t max_batch_queries = 10000;  // per POST
  std::size_t max_digests = 10000;        // distinct fingerprints kept per collector
  std::size_t max_pending_commands = 100;
};

// POST /api/v1/collectors/register, seed 001's shape.
struct Registration {
  std::string name;
  std::string type;  // mysql | postgres | sqlwarden
  std::int64_t team_id = 0;
  nlohmann::json config = nlohmann::json::object();  // without the password
  std::uint32_t collection_interval_minutes = 5;
  bool auto_collect = true;
};
Result<Registration> parse_registration(const nlohmann::json& body);

// The online rule, on its own so it is tested on its own.
bool is_online(std::optional<Clock::time_point> last_heartbeat, Clock::time_point now,
               std::chrono::seconds offline_after) noexcept;

struct BatchOutcome {
  bool duplicate = false;    // this batch id was accepted before: nothing added
  std::size_t accepted = 0;  // queries added
};

class Registry {
 public:
  // Loads (or starts) the state in options.state_dir.
  static Result<std::unique_ptr<Registry>> open(RegistryOptions options);

  // {"id": N, "api_key": "collector_N_…", …the collector as list() shows it}.
  // The key is returned here once and never again.
  Result<nlohmann::json> register_collector(const Registration& r, Clock::time_point now);
  bool authenticate(std::uint64_t id, std::string_view api_key) const;
  // Records the heartbeat and its statistics, forgets commands up to `ack`,
  // returns the commands still pending.
  Result<std::vector<Command>> heartbeat(std::uint64_t id, const nlohmann::json& stats,
                                         std::uint64_t ack, Clock::time_point now);
  Result<Command> queue_command(std::uint64_t id, CommandKind kind, nlohmann::json payload,
                                Clock::time_point now);
  Result<BatchOutcome> add_batch(std::uint64_t id, Batch batch);
  // Fingerprints of the queries received from `id`, highest `sort` first.
  Result<std::vector<audit::DigestRow>> queries(std::uint64_t id, audit::DigestSort sort) const;
  // The dialect that fingerprints this collector's queries.
  Result<parsers::Dialect> dialect(std::uint64_t id) const;

  nlohmann::json list(Clock::time_point now) const;
  Result<nlohmann::json> describe(std::uint64_t id, Clock::time_point now) const;

  const RegistryOptions& options() const noexcept { return options_; }

 private:
  struct Entry;
  struct OpenKey {};  // only open() constructs

 public:
  Registry(OpenKey, RegistryOptions options);
  ~Registry();  // Entry is complete only in registry.cpp

 private:
  Status load();
  Status load_batches(Entry& e);
  Status save_locked() const;
  std::string queries_path(std::uint64_t id) const;
  nlohmann::json view_locked(const Entry& e, Clock::time_point now) const;
  void aggregate(Entry& e, const Batch& batch);

  RegistryOptions options_;
  mutable std::mutex mu_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::unique_ptr<Entry>> entries_;
};

}  // namespace sw::collector
