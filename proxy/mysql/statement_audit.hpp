#pragma once
// The audit records of one MySQL client session. A COM_QUERY or
// COM_STMT_EXECUTE arms the session (expect) just before the command goes
// to the server; each result of the answer then becomes one record as the
// response tracker sees it end (a multi-statement COM_QUERY gives one per
// result, each timed from the end of the one before). Denials and failed
// logins are submitted at once. One per session, one thread.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "policy/gate.hpp"
#include "proxy/audit_hook/audit_port.hpp"
#include "proxy/mysql/codec/response_tracker.hpp"

namespace sw::mysql {

class StatementAudit {
 public:
  explicit StatementAudit(std::shared_ptr<audit_hook::AuditPort> port) : port_(std::move(port)) {}

  bool on() const noexcept { return port_ != nullptr; }
  bool refusing() const noexcept { return port_ && port_->refusing(); }
  audit_hook::SessionFacts& facts() noexcept { return facts_; }

  void login_failed(std::uint16_t code, std::string_view message);
  void denied(std::string_view sql, const policy::Decision& d, bool audit_refusal,
              parsers::MysqlLexOptions lex);
  // The next answer relayed is the result of `sql`.
  void expect(std::string_view sql, const policy::Decision& d, parsers::MysqlLexOptions lex,
              std::uint64_t server_thread);
  bool expecting() const noexcept { return expecting_; }
  // Results the tracker saw end: one record each (the list is cleared).
  // `last`: the answer is complete.
  void results(std::vector<ResponseTracker::ResultEnd>& ended, bool last);
  // The answer did not come to its end (server connection lost, client gone).
  void lost();

  // Group commit: the end of the current answer must wait.
  bool must_wait() const noexcept { return port_ && port_->must_wait(last_); }
  net::awaitable<void> wait_durable() { co_await port_->wait_durable(last_); }

 private:
  void submit(audit::AuditRecord&& r) { last_ = port_->submit(std::move(r)); }

  std::shared_ptr<audit_hook::AuditPort> port_;
  audit_hook::SessionFacts facts_;
  audit::Ticket last_;
  bool expecting_ = false;
  audit::AuditRecord base_;
  std::chrono::steady_clock::time_point since_;
};

}  // namespace sw::mysql
