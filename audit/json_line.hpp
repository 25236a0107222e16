#pragma once
// An audit record as one JSON object on one line (the JSONL sinks, syslog,
// the admin endpoints). Hand-written: the writer thread formats every record
// and a generic JSON library would allocate per field.
#include <string>

#include "audit/record.hpp"

namespace sw::audit {

// Appends the record and a trailing '\n' to `out`.
void append_json_line(const AuditRecord& r, std::string& out);
// Appends `s` as a JSON string literal (quotes included); bytes that are not
// valid UTF-8 become U+FFFD so every line stays valid JSON.
void append_json_string(std::string_view s, std::string& out);
// `s` with every invalid UTF-8 byte (and NUL) replaced by U+FFFD (database columns).
std::string valid_utf8(std::string_view s);
// ISO 8601 UTC with microseconds: 2026-12-01T23:30:00.123456Z
void append_utc_time(std::chrono::system_clock::time_point t, std::string& out);

}  // namespace sw::audit
