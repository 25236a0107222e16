#include "proxy/audit_hook/audit_port.hpp"

#include "parsers/normalizer.hpp"
#include "parsers/redact.hpp"

namespace sw::audit_hook {

audit::Source source_of(std::string_view application) noexcept {
  if (application.substr(0, kToolApplication.size()) != kToolApplication)
    return audit::Source::wire;
  std::string_view rest = application.substr(kToolApplication.size());
  return rest.empty() || rest.front() == ':' ? audit::Source::tool : audit::Source::wire;
}

audit::AuditRecord AuditPort::record(const SessionFacts& facts, audit::Event event) const {
  audit::AuditRecord r;
  r.event = event;
  r.source = facts.source;
  r.time = std::chrono::system_clock::now();
  r.tenant = facts.tenant;
  r.protocol = facts.protocol;
  r.client_addr = facts.client_addr;
  r.user = facts.user;
  r.database = facts.database;
  r.application = facts.application;
  r.session_id = facts.session_id;
  return r;
}

void AuditPort::describe(audit::AuditRecord& r, parsers::Dialect dialect,
                         parsers::MysqlLexOptions lex, std::string_view sql,
                         parsers::StatementKind kind, std::uint64_t fingerprint) {
  r.kind = parsers::statement_kind_name(kind);
  r.fingerprint = fingerprint;
  // Fingerprint 0: the gate did not lex the statement (denied before it).
  if (const std::string* hit = fingerprint ? normalized_.find(fingerprint, dialect) : nullptr) {
    r.normalized = *hit;
  } else {
    r.normalized = parsers::normalized_text(dialect, lex, sql);
    if (fingerprint) normalized_.put(fingerprint, dialect, r.normalized);
  }
  switch (trail_.config().text) {
    case AuditTextMode::full:
      r.text = parsers::redact_sql(dialect, lex, sql, parsers::RedactMode::secrets).text;
      break;
    case AuditTextMode::redacted: {
      unsigned context = (dialect == parsers::Dialect::mysql ? 1u : 0u) |
                         (lex.no_backslash_escapes ? 2u : 0u) | (lex.ansi_quotes ? 4u : 0u);
      if (const std::string* hit = redacted_.find(sql, context)) {
        r.text = *hit;
      } else {
        r.text = parsers::redact_sql(dialect, lex, sql, parsers::RedactMode::literals).text;
        redacted_.put(sql, context, r.text);
      }
      break;
    }
    case AuditTextMode::none:
      break;
  }
}

net::awaitable<void> AuditPort::wait_durable(audit::Ticket t) {
  // The writer posts wake_all() after each durable batch; the bound only
  // guards against a wake-up that raced with registering.
  while (must_wait(t)) co_await wakeups_->wait(std::chrono::milliseconds(50));
}

}  // namespace sw::audit_hook
