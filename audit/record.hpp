#pragma once
// One audit record: a statement, a denied statement or a failed login, as
// the protocol driver saw it. Text fields arrive already redacted (the driver
// runs parsers::redact_sql per the [audit] text mode); nothing in audit/
// looks inside SQL.
#include <chrono>
#include <cstdint>
#include <string>

namespace sw::audit {

enum class Event : std::uint8_t {
  statement,     // ran on the server (successfully or not)
  denied,        // refused by the policy gate, never reached the server
  login_failed,  // authentication refused
  refused,       // refused because the audit trail could not record it (fail_closed)
};
enum class Source : std::uint8_t { wire, tool };

const char* event_name(Event e) noexcept;
const char* source_name(Source s) noexcept;

struct AuditRecord {
  std::uint64_t seq = 0;  // assigned by the trail: order of arrival at the writer
  Event event = Event::statement;
  Source source = Source::wire;
  std::chrono::system_clock::time_point time;  // when the statement arrived
  std::string tenant;
  std::string protocol;  // "postgres" | "mysql"
  std::string client_addr;
  std::string user;
  std::string database;
  std::string application;  // application_name / MySQL connection attributes
  std::uint64_t session_id = 0;
  std::string kind;  // parsers::statement_kind_name
  std::uint64_t fingerprint = 0;
  std::string normalized;         // literals as ?
  std::string text;               // per the text mode; empty for `none`
  std::string params;             // bound parameters (text mode `full` only), JSON array text
  bool allowed = true;            // the policy decision
  std::string rule;               // rule id of a denial
  std::uint64_t duration_us = 0;  // first byte to the server → last byte of the result
  std::int64_t rows = -1;         // rows returned or affected; -1 unknown
  std::string error_code;         // SQLSTATE or MySQL error number; empty = success
  std::string error_message;
  std::uint64_t server_connection_id = 0;  // backend pid / MySQL thread id; 0 = none

  bool failed() const noexcept { return !error_code.empty() || event != Event::statement; }
};

// "00ab…" — 16 lowercase hex digits.
std::string fingerprint_hex(std::uint64_t fingerprint);

}  // namespace sw::audit
