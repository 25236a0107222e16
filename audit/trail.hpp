#pragma once
// The audit trail: per-worker bounded lock-free queues (SPSC), one writer
// thread that drains them into the sinks (JSONL file, slow-log file, syslog,
// database) and the in-memory views (history ring, digests, slow log).
//
// The data path never waits on disk. A worker calls submit() with a record
// it owns; that is a move into a preallocated slot. When a queue is full,
// `full_queue` decides: `block` waits for the writer (back-pressure, nothing
// lost) or `drop` counts the record and moves on. Only with fsync = "always"
// does a client wait: submit() returns a ticket, and the driver holds the
// result back until is_durable(ticket) — the writer fsyncs each batch once
// (group commit) and then calls the producer's notifier, which the runtime
// uses to post a wake-up onto that worker's event loop.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/digests.hpp"
#include "audit/history.hpp"
#include "audit/record.hpp"
#include "audit/slow_log.hpp"
#include "audit/spsc_queue.hpp"
#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"

namespace sw::audit {

class JsonlFile;
class SyslogSink;
class DbSink;
class TableWriter;

struct Ticket {
  std::uint32_t producer = 0;
  std::uint64_t position = 0;  // 1-based position in the producer's queue; 0 = not queued
  bool queued() const noexcept { return position != 0; }
};

struct TrailStats {
  std::uint64_t submitted = 0;
  std::uint64_t dropped = 0;  // full queue under `drop`
  std::uint64_t written = 0;  // records through the writer
  std::uint64_t write_errors = 0;
  std::uint64_t queued = 0;  // waiting in the queues now
  std::uint64_t last_seq = 0;
  std::uint64_t digest_overflow = 0;
  std::uint64_t db_written = 0;
  std::uint64_t db_dropped = 0;
  std::uint64_t file_rotations = 0;
  bool healthy = true;
  bool previous_run_unclean = false;  // the JSONL file did not end with audit_stop
};

class AuditTrail {
 public:
  using Notifier = std::function<void()>;

  // `producers`: one queue per worker thread. Opens the files (an error here
  // is a startup error) and starts the writer thread.
  static Result<std::unique_ptr<AuditTrail>> start(const Config& config, std::uint32_t producers);
  // Same, with the database sink's table writer injected (tests).
  static Result<std::unique_ptr<AuditTrail>> start(const Config& config, std::uint32_t producers,
                                                   std::unique_ptr<TableWriter> table_writer);
  struct Key {  // only start() constructs
   private:
    friend class AuditTrail;
    Key() = default;
  };
  AuditTrail(Key, const Config& config, std::uint32_t producers);
  ~AuditTrail();  // drains every queue, writes audit_stop, fsyncs
  AuditTrail(const AuditTrail&) = delete;
  AuditTrail& operator=(const AuditTrail&) = delete;

  const AuditConfig& config() const noexcept { return config_; }
  std::uint32_t producers() const noexcept { return static_cast<std::uint32_t>(queues_.size()); }

  // --- producer side: only worker `producer` calls these for its index ---
  Ticket submit(std::uint32_t producer, AuditRecord&& record);
  // fail_closed and a sink cannot write: refuse statements.
  bool refusing() const noexcept;
  // fsync = "always": drivers hold results until their ticket is durable.
  bool waits_for_durability() const noexcept { return group_commit_; }
  bool is_durable(const Ticket& t) const noexcept;
  // Blocking wait (tools, tests; never on a worker thread).
  void wait_durable(const Ticket& t) const;
  // Called on the writer thread after each durable batch that held records
  // of `producer`; must be cheap and thread-safe (post to an event loop).
  void set_notifier(std::uint32_t producer, Notifier notifier);

  // --- readers (admin API) ---
  std::vector<AuditRecord> history(const HistoryQuery& q) const { return history_.query(q); }
  std::vector<DigestRow> digests(DigestSort sort, std::size_t limit) const {
    return digests_.top(sort, limit);
  }
  std::size_t reset_digests(std::string_view tenant = {}) { return digests_.reset(tenant); }
  SlowPage slow_since(std::uint64_t cursor, std::size_t limit) const {
    return slow_.since(cursor, limit);
  }
  TrailStats stats() const;
  // Waits until everything submitted before the call went through the
  // writer (files written and synced as the policy says; DB rows handed on).
  void flush();
  // Also waits for the database sink to insert (tests).
  void flush_database();
  std::uint32_t slow_threshold_ms(std::string_view tenant) const;

 private:
  struct Producer;
  Status open_sinks(std::unique_ptr<TableWriter> table_writer);
  void run();
  std::size_t drain_once();
  void process(AuditRecord& r);
  void commit_batch();
  void wake_writer();
  void write_marker(const char* event);

  AuditConfig config_;
  std::vector<std::pair<std::string, std::uint32_t>> tenant_slow_ms_;
  bool group_commit_ = false;
  std::chrono::milliseconds idle_wait_{100};
  std::vector<std::unique_ptr<Producer>> queues_;

  // Writer thread state.
  std::unique_ptr<JsonlFile> file_;
  std::unique_ptr<JsonlFile> slow_file_;
  std::unique_ptr<SyslogSink> syslog_;
  std::unique_ptr<DbSink> db_;
  std::string lines_;       // this batch's audit lines
  std::string slow_lines_;  // this batch's slow-log lines
  std::uint64_t next_seq_ = 1;
  bool previous_unclean_ = false;

  HistoryRing history_;
  DigestTable digests_;
  SlowLog slow_;

  std::atomic<bool> healthy_{true};
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> write_errors_{0};
  std::atomic<std::uint64_t> last_seq_{0};
  std::atomic<std::uint64_t> dropped_reported_{0};

  // Writer sleep/wake and flush handshake.
  mutable std::mutex mu_;
  mutable std::condition_variable wake_;
  mutable std::condition_variable durable_cv_;
  std::atomic<bool> writer_sleeping_{false};
  mutable std::atomic<std::uint32_t> durable_waiters_{0};
  std::uint64_t flush_requested_ = 0;
  std::uint64_t flush_done_ = 0;
  bool stop_ = false;
  std::thread writer_;
};

}  // namespace sw::audit
