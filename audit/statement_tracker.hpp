#pragma once
// Statements in flight on one client session, for the driver hooks: the
// relay loops already see where a statement starts (a Query / Execute /
// COM_QUERY / COM_STMT_EXECUTE going to the server) and where it ends
// (CommandComplete / ErrorResponse / ReadyForQuery; OK / ERR / EOF); the
// tracker turns that into finished records. FIFO, because PostgreSQL
// pipelines several Executes before one Sync and MySQL multi-statements
// return several results for one COM_QUERY. One per session, one thread.
#include <chrono>
#include <cstdint>
#include <string>

#include "audit/record.hpp"
#include "proxy/core/fifo.hpp"

namespace sw::audit {

class StatementTracker {
 public:
  using Clock = std::chrono::steady_clock;

  // A statement whose first byte went to the server at `sent`. `base` holds
  // everything known up front (who, what text, fingerprint, kind).
  void begin(AuditRecord&& base, Clock::time_point sent);
  bool empty() const noexcept { return in_flight_.empty(); }
  std::size_t in_flight() const noexcept { return in_flight_.size(); }

  // The oldest statement's result finished (last byte at `done`). rows < 0
  // = unknown; error_code empty = success. Returns false when nothing was in flight.
  bool finish(Clock::time_point done, std::int64_t rows, std::string error_code,
              std::string error_message, AuditRecord& out);

  // The server connection died or the session ended with statements still
  // in flight: each ends as failed with `reason` (code "08006" = connection failure).
  template <class Sink>
  void abandon(Clock::time_point now, const std::string& reason, Sink&& sink) {
    AuditRecord r;
    while (finish(now, -1, "08006", reason, r)) sink(std::move(r));
  }

 private:
  struct InFlight {
    AuditRecord record;
    Clock::time_point sent;
  };
  Fifo<InFlight> in_flight_;
};

}  // namespace sw::audit
