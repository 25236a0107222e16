#pragma once
// The protocol drivers' door into the audit trail, one per worker (the
// worker's queue index and its wake-ups). Sessions describe who they are
// once (SessionFacts); each statement record starts from those facts, gets
// its text redacted here per the [audit] text mode, and is submitted
// without blocking. Under fsync = "always" a session keeps the ticket of
// its last record and holds the end of its result (ReadyForQuery, the
// final OK) until wait_durable() returns; the worker keeps serving others.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "audit/record.hpp"
#include "audit/trail.hpp"
#include "parsers/mysql_lexer.hpp"
#include "parsers/statement.hpp"
#include "proxy/audit_hook/text_cache.hpp"
#include "proxy/audit_hook/wakeups.hpp"
#include "proxy/net/asio.hpp"

namespace sw::audit_hook {

// Who a session is; copied into each of its records.
struct SessionFacts {
  std::string tenant;
  std::string protocol;  // "postgres" | "mysql"
  std::string client_addr;
  std::string user;
  std::string database;
  std::string application;
  std::uint64_t session_id = 0;
  audit::Source source = audit::Source::wire;
};

// The AI tools connect to the proxy's own listeners with this application
// name (PostgreSQL) or program_name attribute (MySQL), optionally followed
// by ":<token name>".
inline constexpr std::string_view kToolApplication = "sqlwarden-tool";
audit::Source source_of(std::string_view application) noexcept;

// The message a client gets while fail_closed refuses statements.
inline constexpr std::string_view kRefusedMessage =
    "sqlwarden: statement refused: the audit trail cannot record it (audit fail_closed)";

class AuditPort {
 public:
  AuditPort(audit::AuditTrail& trail, std::uint32_t producer, std::shared_ptr<Wakeups> wakeups)
      : trail_(trail), producer_(producer), wakeups_(std::move(wakeups)) {}

  bool refusing() const noexcept { return trail_.refusing(); }
  bool group_commit() const noexcept { return trail_.waits_for_durability(); }

  // A record of `event` for the session, stamped now.
  audit::AuditRecord record(const SessionFacts& facts, audit::Event event) const;
  // Kind, fingerprint, normalised text and text (per the text mode;
  // credentials are always masked) of `sql`.
  void describe(audit::AuditRecord& r, parsers::Dialect dialect, parsers::MysqlLexOptions lex,
                std::string_view sql, parsers::StatementKind kind, std::uint64_t fingerprint);

  audit::Ticket submit(audit::AuditRecord&& r) { return trail_.submit(producer_, std::move(r)); }
  // Group commit: true while `t` is not yet on disk.
  bool must_wait(const audit::Ticket& t) const noexcept {
    return trail_.waits_for_durability() && !trail_.is_durable(t);
  }
  // Returns once `t` is durable (or the trail gave up on it and reports
  // itself unhealthy). Never blocks the worker.
  net::awaitable<void> wait_durable(audit::Ticket t);

 private:
  audit::AuditTrail& trail_;
  std::uint32_t producer_;
  std::shared_ptr<Wakeups> wakeups_;
  // This worker's sessions only.
  NormalizedCache normalized_;
  RedactedCache redacted_;
};

}  // namespace sw::audit_hook
