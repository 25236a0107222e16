#include "audit/api_json.hpp"

#include <charconv>

#include <fmt/format.h>

#include "audit/json_line.hpp"

namespace sw::audit::api {

namespace {

constexpr std::size_t kMaxLimit = 100000;

Result<std::uint64_t> number(const std::optional<std::string>& text, std::string_view name,
                             std::uint64_t fallback, std::uint64_t max) {
  if (!text) return fallback;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (text->empty() || ec != std::errc{} || ptr != text->data() + text->size() || v > max)
    return make_error(Errc::invalid_argument,
                      fmt::format("{} must be an integer between 0 and {}", name, max));
  return v;
}

void record_object(const AuditRecord& r, std::string& out) {
  append_json_line(r, out);
  out.pop_back();  // the newline
}

void time_field(std::string& out, const char* name, std::chrono::system_clock::time_point t) {
  fmt::format_to(std::back_inserter(out), ",\"{}\":\"", name);
  append_utc_time(t, out);
  out.push_back('"');
}

}  // namespace

Result<std::string> audit_json(const AuditTrail& trail, const AuditParams& p,
                               std::string_view scope) {
  auto limit = number(p.limit, "limit", 100, kMaxLimit);
  if (!limit) return std::move(limit).error();
  auto since = number(p.since, "since", 0, UINT64_MAX);
  if (!since) return std::move(since).error();
  HistoryQuery q;
  q.limit = static_cast<std::size_t>(*limit);
  q.since = *since;
  q.user = p.user.value_or("");
  q.tenant = p.tenant.value_or("");
  if (!scope.empty()) {
    if (!q.tenant.empty() && q.tenant != scope)
      return make_error(Errc::not_found, "tenant outside the token's scope");
    q.tenant = std::string(scope);
  }
  auto records = trail.history(q);
  TrailStats s = trail.stats();
  std::string out = "{\"records\":[";
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (i) out.push_back(',');
    record_object(records[i], out);
  }
  fmt::format_to(std::back_inserter(out),
                 "],\"count\":{},\"last_seq\":{},\"dropped\":{},\"healthy\":{}}}", records.size(),
                 s.last_seq, s.dropped, s.healthy ? "true" : "false");
  return out;
}

Result<DigestSort> digest_sort(const std::optional<std::string>& text) {
  if (!text || *text == "total_time") return DigestSort::total_time;
  if (*text == "count") return DigestSort::count;
  if (*text == "p99") return DigestSort::p99;
  return make_error(Errc::invalid_argument, "sort must be total_time, count or p99");
}

void append_digest_row(const DigestRow& d, std::string& out) {
  out.push_back('{');
  out.append("\"tenant\":");
  append_json_string(d.key.tenant, out);
  out.append(",\"user\":");
  append_json_string(d.key.user, out);
  out.append(",\"database\":");
  append_json_string(d.key.database, out);
  fmt::format_to(std::back_inserter(out),
                 ",\"fingerprint\":\"{:016x}\",\"kind\":", d.key.fingerprint);
  append_json_string(d.kind, out);
  out.append(",\"normalized\":");
  append_json_string(d.normalized, out);
  fmt::format_to(std::back_inserter(out),
                 ",\"count\":{},\"errors\":{},\"rows\":{},\"total_time_us\":{},\"min_us\":{},"
                 "\"max_us\":{},\"avg_us\":{},\"p50_us\":{},\"p95_us\":{},\"p99_us\":{}",
                 d.count, d.errors, d.rows, d.total_us, d.min_us, d.max_us,
                 d.count ? d.total_us / d.count : 0, d.p50_us, d.p95_us, d.p99_us);
  time_field(out, "first_seen", d.first_seen);
  time_field(out, "last_seen", d.last_seen);
  out.push_back('}');
}

Result<std::string> queries_json(const AuditTrail& trail, const QueriesParams& p,
                                 std::string_view scope) {
  auto sort = digest_sort(p.sort);
  if (!sort) return std::move(sort).error();
  auto limit = number(p.limit, "limit", 100, kMaxLimit);
  if (!limit) return std::move(limit).error();
  auto rows = trail.digests(*sort, 0);
  std::string out = "{\"queries\":[";
  std::size_t n = 0;
  for (const auto& d : rows) {
    if (!scope.empty() && d.key.tenant != scope) continue;
    if (*limit != 0 && n >= *limit) break;
    if (n++) out.push_back(',');
    append_digest_row(d, out);
  }
  fmt::format_to(std::back_inserter(out), "],\"count\":{},\"overflow\":{}}}", n,
                 trail.stats().digest_overflow);
  return out;
}

Result<std::string> slow_json(const AuditTrail& trail, const SlowParams& p,
                              std::string_view scope) {
  auto since = number(p.since, "since", 0, UINT64_MAX);
  if (!since) return std::move(since).error();
  auto limit = number(p.limit, "limit", 1000, kMaxLimit);
  if (!limit) return std::move(limit).error();
  // A scoped reader skips other tenants' entries but its cursor still moves
  // past them, so it never sees a gap that is not one.
  SlowPage page = trail.slow_since(*since, scope.empty() ? *limit : 0);
  std::string out = "{\"entries\":[";
  std::size_t n = 0;
  std::uint64_t next = page.next_cursor;
  for (const auto& e : page.entries) {
    if (*limit != 0 && n >= *limit) {
      next = e.cursor - 1;
      break;
    }
    next = e.cursor;
    if (!scope.empty() && e.record.tenant != scope) continue;
    fmt::format_to(std::back_inserter(out), "{}{{\"cursor\":{},", n++ ? "," : "", e.cursor);
    std::string record;
    record_object(e.record, record);
    out.append(std::string_view(record).substr(1));
  }
  fmt::format_to(std::back_inserter(out), "],\"count\":{},\"next_cursor\":{},\"missed\":{}}}", n,
                 next, page.missed);
  return out;
}

std::string reset_json(AuditTrail& trail, std::string_view scope) {
  std::size_t n = trail.reset_digests(scope);
  return fmt::format("{{\"reset\":{}}}", n);
}

}  // namespace sw::audit::api
