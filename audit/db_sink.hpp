#pragma once
// The database sink: query_log rows handed over by the audit writer, inserted
// in batches by a thread of its own on a connection of its own, so neither
// clients nor the JSONL writer ever wait for the database. When the database
// is slow or down, rows wait in a bounded queue; beyond it they are dropped
// and counted (the JSONL trail is the durable record).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "audit/db_table_writer.hpp"

namespace sw::audit {

struct DbSinkStats {
  std::uint64_t written = 0;
  std::uint64_t dropped = 0;
  std::uint64_t failures = 0;
  bool healthy = true;
};

class DbSink {
 public:
  DbSink(const AuditDatabaseConfig& config, std::unique_ptr<TableWriter> writer);
  ~DbSink();  // flushes what it can (one attempt), then stops
  DbSink(const DbSink&) = delete;
  DbSink& operator=(const DbSink&) = delete;

  void push(QueryLogRow row);
  // Waits until every row pushed so far was inserted or dropped (tests).
  void drain();
  DbSinkStats stats() const;

 private:
  void run();
  bool insert_batch(std::vector<QueryLogRow>& batch);

  AuditDatabaseConfig config_;
  std::unique_ptr<TableWriter> writer_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<QueryLogRow> queue_;
  std::uint64_t pushed_ = 0;
  std::uint64_t settled_ = 0;  // inserted or dropped
  bool stop_ = false;
  bool flush_ = false;  // drain() asked for everything now, not at batch size
  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<bool> healthy_{true};
  std::thread thread_;
};

}  // namespace sw::audit
