#pragma once
// What the agent must not forget across restarts, in one file
// (<state_dir>/state.json, replaced atomically on every change):
//   - the source's cursor, written together with the batches it produced;
//   - unsent batches (bounded: past max_spool_batches the oldest is dropped
//     and counted), resent with the same batch id until the backend has them;
//   - the batch id prefix (random per state) and the next sequence number,
//     so ids never repeat even if the state is deleted and recreated;
//   - the highest command id already run, and whether collection is stopped.
#include <cstdint>
#include <deque>
#include <string>

#include <nlohmann/json.hpp>

#include "proxy/core/result.hpp"

namespace sw::collector::agent {

// A batch body stays below this (plus one query); queries longer than
// kMaxQueryTextBytes are cut by the agent before they are queued.
inline constexpr std::size_t kMaxBatchBytes = 512 * 1024;
inline constexpr std::size_t kMaxQueryTextBytes = 64 * 1024;

struct PendingBatch {
  std::string id;
  std::string body;  // the JSON POST body, as sent every time
  std::uint64_t queries = 0;
};

class AgentState {
 public:
  // Loads <dir>/state.json, or starts a fresh state (new id prefix).
  static Result<AgentState> open(const std::string& dir);

  const nlohmann::json& cursor() const noexcept { return cursor_; }
  const std::deque<PendingBatch>& pending() const noexcept { return pending_; }
  std::uint64_t last_command() const noexcept { return last_command_; }
  bool stopped() const noexcept { return stopped_; }
  std::uint64_t dropped() const noexcept { return dropped_; }

  // Queues one batch per `max_batch` queries and moves the cursor, in one
  // durable write. Returns how many old batches were dropped to make room.
  Result<std::uint64_t> add_collection(const nlohmann::json& queries, const char* source,
                                       nlohmann::json cursor, std::size_t max_batch,
                                       std::size_t max_pending);
  Status remove_front();  // the oldest pending batch is delivered (or rejected)
  Status set_last_command(std::uint64_t id, bool stopped);

 private:
  Status save() const;

  std::string path_;
  std::string prefix_;
  std::uint64_t next_seq_ = 1;
  nlohmann::json cursor_;
  std::deque<PendingBatch> pending_;
  std::uint64_t last_command_ = 0;
  bool stopped_ = false;
  std::uint64_t dropped_ = 0;
};

}  // namespace sw::collector::agent
