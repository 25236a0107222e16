#include "proxy/mysql/statement_audit.hpp"

#include <string>

namespace sw::mysql {

void StatementAudit::login_failed(std::uint16_t code, std::string_view message) {
  if (!on()) return;
  audit::AuditRecord r = port_->record(facts_, audit::Event::login_failed);
  r.allowed = false;
  r.error_code = std::to_string(code);
  r.error_message = std::string(message);
  submit(std::move(r));
}

void StatementAudit::denied(std::string_view sql, const policy::Decision& d, bool audit_refusal,
                            parsers::MysqlLexOptions lex) {
  if (!on()) return;
  audit::AuditRecord r =
      port_->record(facts_, audit_refusal ? audit::Event::refused : audit::Event::denied);
  port_->describe(r, parsers::Dialect::mysql, lex, sql, d.kind, d.fingerprint);
  r.allowed = false;
  r.rule = audit_refusal ? "audit_unavailable" : d.rule;
  r.error_code = audit_refusal ? "1105" : "1142";
  r.error_message = d.message;
  submit(std::move(r));
}

void StatementAudit::expect(std::string_view sql, const policy::Decision& d,
                            parsers::MysqlLexOptions lex, std::uint64_t server_thread) {
  if (!on()) return;
  base_ = port_->record(facts_, audit::Event::statement);
  port_->describe(base_, parsers::Dialect::mysql, lex, sql, d.kind, d.fingerprint);
  base_.server_connection_id = server_thread;
  expecting_ = true;
  since_ = std::chrono::steady_clock::now();
}

void StatementAudit::results(std::vector<ResponseTracker::ResultEnd>& ended, bool last) {
  if (!expecting_) {
    ended.clear();
    return;
  }
  for (std::size_t i = 0; i < ended.size(); ++i) {
    auto& e = ended[i];
    auto now = std::chrono::steady_clock::now();
    bool final_one = last && i + 1 == ended.size();
    audit::AuditRecord r = final_one ? std::move(base_) : base_;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now - since_).count();
    r.duration_us = us > 0 ? static_cast<std::uint64_t>(us) : 0;
    r.rows = e.rows;
    if (e.error != 0) {
      r.error_code = std::to_string(e.error);
      r.error_message = std::move(e.message);
    }
    if (!final_one) r.time = std::chrono::system_clock::now();
    since_ = now;
    submit(std::move(r));
  }
  ended.clear();
  if (last) expecting_ = false;
}

void StatementAudit::lost() {
  if (!expecting_) return;
  expecting_ = false;
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  since_)
                .count();
  base_.duration_us = us > 0 ? static_cast<std::uint64_t>(us) : 0;
  base_.error_code = "2013";
  base_.error_message = "the answer did not reach its end (connection lost)";
  submit(std::move(base_));
}

}  // namespace sw::mysql
