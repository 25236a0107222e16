#include "audit/db_row.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "audit/json_line.hpp"

namespace sw::audit {

namespace {
// Cuts at a UTF-8 character boundary so the column stays valid text.
std::string cut_utf8(std::string s, std::size_t max) {
  if (s.size() <= max) return s;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s;
}
}  // namespace

QueryLogRow to_query_log_row(const AuditRecord& r) {
  QueryLogRow row;
  row.query_hash = fingerprint_hex(r.fingerprint);
  row.query_text = valid_utf8(r.text.empty() ? r.normalized : r.text);
  row.user_context = cut_utf8(valid_utf8(fmt::format("{}@{} ({}, {}, {})", r.user, r.database,
                                                     r.tenant, r.protocol, r.client_addr)),
                              100);
  // DECIMAL(10,6) holds at most 9999.999999 s.
  std::uint64_t us = std::min<std::uint64_t>(r.duration_us, 9'999'999'999ull);
  row.execution_time = fmt::format("{}.{:06}", us / 1000000, us % 1000000);
  if (r.rows >= 0)
    row.rows_affected = static_cast<std::int32_t>(std::min<std::int64_t>(r.rows, INT32_MAX));
  row.success = !r.failed();
  if (r.event == Event::denied)
    row.error_message = fmt::format("denied by sqlwarden ({}): {}", r.rule, r.error_message);
  else if (r.event == Event::login_failed)
    row.error_message = "login failed: " + r.error_message;
  else if (!r.error_code.empty())
    row.error_message = r.error_code + " " + r.error_message;
  row.error_message = valid_utf8(row.error_message);
  std::string iso;
  append_utc_time(r.time, iso);  // 2026-12-01T23:30:00.123456Z
  iso[10] = ' ';
  iso.pop_back();
  row.created_at = std::move(iso);
  return row;
}

}  // namespace sw::audit
