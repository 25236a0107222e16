#include "proxy/pg/statement_audit.hpp"

#include <charconv>

#include "proxy/pg/codec/messages.hpp"

namespace sw::pg {

namespace {

// Rows of a command tag: its last word when that is a number ("INSERT 0 3"
// → 3, "SELECT 5" → 5); 0 for tags without a count ("BEGIN", "SET").
std::int64_t tag_rows(std::string_view tag) {
  auto space = tag.rfind(' ');
  if (space == std::string_view::npos) return 0;
  std::string_view last = tag.substr(space + 1);
  std::int64_t n = 0;
  auto [ptr, ec] = std::from_chars(last.data(), last.data() + last.size(), n);
  return ec == std::errc{} && ptr == last.data() + last.size() ? n : 0;
}

constexpr std::string_view kSkipped = "not executed: an earlier message of the same batch failed";

}  // namespace

audit::AuditRecord StatementAudit::start(audit::Event event, std::string_view sql,
                                         parsers::StatementKind kind, std::uint64_t fingerprint) {
  audit::AuditRecord r = port_->record(facts_, event);
  port_->describe(r, parsers::Dialect::postgres, {}, sql, kind, fingerprint);
  return r;
}

void StatementAudit::finish(InFlight& f, std::int64_t rows) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                  f.sent)
                .count();
  f.record.duration_us = us > 0 ? static_cast<std::uint64_t>(us) : 0;
  f.record.rows = rows;
  submit(std::move(f.record));
}

void StatementAudit::login_failed(std::string_view sqlstate, std::string_view message) {
  if (!on()) return;
  audit::AuditRecord r = port_->record(facts_, audit::Event::login_failed);
  r.allowed = false;
  r.error_code = std::string(sqlstate);
  r.error_message = std::string(message);
  submit(std::move(r));
}

void StatementAudit::answered(std::string_view sql, const policy::Decision& d,
                              std::string_view sqlstate, std::string_view error) {
  if (!on()) return;
  audit::AuditRecord r = start(audit::Event::statement, sql, d.kind, d.fingerprint);
  r.rows = 0;
  if (!error.empty()) {
    r.error_code = std::string(sqlstate);
    r.error_message = std::string(error);
  }
  submit(std::move(r));
}

void StatementAudit::denied(std::string_view sql, const policy::Decision& d, bool audit_refusal) {
  if (!on()) return;
  audit::AuditRecord r = start(audit_refusal ? audit::Event::refused : audit::Event::denied, sql,
                               d.kind, d.fingerprint);
  r.allowed = false;
  r.rule = audit_refusal ? "audit_unavailable" : d.rule;
  r.error_code = "42501";
  r.error_message = d.message;
  submit(std::move(r));
}

void StatementAudit::query(std::string_view sql, const policy::Decision& d, std::uint64_t sync_seq,
                           std::uint64_t server_pid) {
  if (!on()) return;
  InFlight f{start(audit::Event::statement, sql, d.kind, d.fingerprint),
             std::chrono::steady_clock::now(), sync_seq, true};
  f.record.server_connection_id = server_pid;
  in_flight_.push_back(std::move(f));
}

void StatementAudit::parse(std::string_view name, std::string_view sql, const policy::Decision& d) {
  if (!on()) return;
  statements_[std::string(name)] = Prepared{std::string(sql), d.kind, d.fingerprint};
}

void StatementAudit::parse_denied(std::string_view name) {
  if (!on()) return;
  statements_.erase(std::string(name));
}

void StatementAudit::bind(std::string_view portal, std::string_view statement) {
  if (!on()) return;
  portals_[std::string(portal)] = std::string(statement);
}

void StatementAudit::close(char what, std::string_view name) {
  if (!on()) return;
  if (what == 'S')
    statements_.erase(std::string(name));
  else
    portals_.erase(std::string(name));
}

void StatementAudit::execute(std::string_view portal, std::uint64_t sync_seq,
                             std::uint64_t server_pid) {
  if (!on()) return;
  auto p = portals_.find(std::string(portal));
  if (p == portals_.end()) return;  // the server reports the unknown portal
  auto s = statements_.find(p->second);
  if (s == statements_.end()) return;  // its Parse was denied: the server skips it
  InFlight f{start(audit::Event::statement, s->second.sql, s->second.kind, s->second.fingerprint),
             std::chrono::steady_clock::now(), sync_seq, false};
  f.record.server_connection_id = server_pid;
  in_flight_.push_back(std::move(f));
}

void StatementAudit::command_complete(ByteSpan message, std::uint64_t batch) {
  if (in_flight_.empty() || in_flight_.front().sync_seq != batch) return;
  auto tag = codec::parse_command_complete(message);
  std::int64_t rows = tag ? tag_rows(*tag) : -1;
  InFlight& f = in_flight_.front();
  if (f.simple) {
    f.record.rows = (f.record.rows < 0 ? 0 : f.record.rows) + (rows < 0 ? 0 : rows);
    return;
  }
  finish(f, rows);
  in_flight_.pop_front();
}

void StatementAudit::execute_done(std::uint64_t batch) {
  if (in_flight_.empty() || in_flight_.front().sync_seq != batch || in_flight_.front().simple)
    return;
  finish(in_flight_.front(), 0);
  in_flight_.pop_front();
}

void StatementAudit::error(ByteSpan message, std::uint64_t batch) {
  if (!on()) return;
  std::string code = "XX000", text;
  if (auto fields = codec::parse_error_fields(message))
    for (const auto& [c, value] : *fields) {
      if (c == 'C') code = std::string(value);
      if (c == 'M') text = std::string(value);
    }
  if (batch_error_seq_ != batch) {
    batch_error_seq_ = batch;
    batch_error_code_ = code;
    batch_error_message_ = text;
  }
  if (in_flight_.empty() || in_flight_.front().sync_seq != batch) return;
  InFlight& f = in_flight_.front();
  if (f.record.error_code.empty()) {
    f.record.error_code = std::move(code);
    f.record.error_message = std::move(text);
  }
  if (f.simple) return;  // ends at its ReadyForQuery
  finish(f, -1);
  in_flight_.pop_front();
}

void StatementAudit::ready_for_query(std::uint64_t batch, char tx_status) {
  if (!on()) return;
  while (!in_flight_.empty() && in_flight_.front().sync_seq <= batch) {
    InFlight& f = in_flight_.front();
    if (!f.simple && f.record.error_code.empty()) {
      bool known = batch_error_seq_ == f.sync_seq;
      f.record.error_code = known ? batch_error_code_ : "XX000";
      f.record.error_message = std::string(kSkipped);
    }
    finish(f, f.simple ? f.record.rows : -1);
    in_flight_.pop_front();
  }
  if (tx_status == 'I') portals_.clear();  // portals end with their transaction
}

void StatementAudit::lost() {
  if (!on()) return;
  while (!in_flight_.empty()) {
    InFlight& f = in_flight_.front();
    f.record.error_code = "08006";
    f.record.error_message = "the server connection was lost";
    finish(f, -1);
    in_flight_.pop_front();
  }
}

}  // namespace sw::pg
