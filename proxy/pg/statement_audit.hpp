#pragma once
// The audit records of one PostgreSQL client session. The relays call in
// where they already look: the client side at Query, Parse, Bind, Execute
// and Close, the server side at CommandComplete, EmptyQueryResponse,
// PortalSuspended, ErrorResponse and ReadyForQuery. A simple Query is one
// record (ended by its ReadyForQuery, rows summed over its statements); each
// Execute is one record (ended by its own completion, or — skipped after an
// earlier error of its batch — by the batch's ReadyForQuery). Denials and
// failed logins are submitted at once. One per session, one thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "policy/gate.hpp"
#include "proxy/audit_hook/audit_port.hpp"
#include "proxy/core/bytes.hpp"
#include "proxy/core/fifo.hpp"

namespace sw::pg {

class StatementAudit {
 public:
  explicit StatementAudit(std::shared_ptr<audit_hook::AuditPort> port) : port_(std::move(port)) {}

  bool on() const noexcept { return port_ != nullptr; }
  bool refusing() const noexcept { return port_ && port_->refusing(); }
  audit_hook::SessionFacts& facts() noexcept { return facts_; }

  void login_failed(std::string_view sqlstate, std::string_view message);
  // A statement the proxy answered itself (LISTEN/UNLISTEN under pooling):
  // no server ran it; `error` is empty on success.
  void answered(std::string_view sql, const policy::Decision& d, std::string_view sqlstate,
                std::string_view error);
  // A statement the gate (or fail_closed) refused; it never ran.
  void denied(std::string_view sql, const policy::Decision& d, bool audit_refusal);

  // Client side. `sync_seq` numbers the batch (the ReadyForQuery that ends it).
  void query(std::string_view sql, const policy::Decision& d, std::uint64_t sync_seq,
             std::uint64_t server_pid);
  void parse(std::string_view name, std::string_view sql, const policy::Decision& d);
  void parse_denied(std::string_view name);
  void bind(std::string_view portal, std::string_view statement);
  void close(char what, std::string_view name);
  void execute(std::string_view portal, std::uint64_t sync_seq, std::uint64_t server_pid);

  // Server side; `batch` = the sync_seq of the batch being answered.
  void command_complete(ByteSpan message, std::uint64_t batch);
  void execute_done(std::uint64_t batch);  // EmptyQueryResponse, PortalSuspended
  void error(ByteSpan message, std::uint64_t batch);
  void ready_for_query(std::uint64_t batch, char tx_status);
  // The server connection is gone: statements in flight end as failed.
  void lost();

  // Group commit: the end of the current result must wait.
  bool must_wait() const noexcept { return port_ && port_->must_wait(last_); }
  net::awaitable<void> wait_durable() { co_await port_->wait_durable(last_); }

 private:
  struct Prepared {
    std::string sql;
    parsers::StatementKind kind;
    std::uint64_t fingerprint;
  };
  struct InFlight {
    audit::AuditRecord record;
    std::chrono::steady_clock::time_point sent;
    std::uint64_t sync_seq;
    bool simple;
    bool ended = false;  // simple Query: an error was seen, rows are final
  };
  audit::AuditRecord start(audit::Event event, std::string_view sql, parsers::StatementKind kind,
                           std::uint64_t fingerprint);
  void finish(InFlight& f, std::int64_t rows);
  void submit(audit::AuditRecord&& r) { last_ = port_->submit(std::move(r)); }

  std::shared_ptr<audit_hook::AuditPort> port_;
  audit_hook::SessionFacts facts_;
  audit::Ticket last_;
  Fifo<InFlight> in_flight_;
  std::unordered_map<std::string, Prepared> statements_;  // client statement name → what it is
  std::unordered_map<std::string, std::string> portals_;  // portal → statement name
  std::string batch_error_code_, batch_error_message_;
  std::uint64_t batch_error_seq_ = 0;
};

}  // namespace sw::pg
