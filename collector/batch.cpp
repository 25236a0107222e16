#include "collector/batch.hpp"

#include <time.h>

#include <charconv>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

#include "parsers/mysql_classifier.hpp"
#include "parsers/normalizer.hpp"
#include "parsers/pg_analyzer.hpp"

namespace sw::collector {

namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

const json* field(const json& j, std::initializer_list<const char*> names) {
  for (const char* n : names) {
    auto it = j.find(n);
    if (it != j.end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

Result<std::string> text_field(const json& j, std::initializer_list<const char*> names,
                               std::string_view what) {
  const json* v = field(j, names);
  if (!v) return std::string();
  if (!v->is_string())
    return make_error(Errc::invalid_argument, fmt::format("{} must be a string", what));
  return v->get<std::string>();
}

std::string kind_of(parsers::Dialect dialect, std::string_view sql) {
  parsers::Analysis analysis;
  if (dialect == parsers::Dialect::postgres) {
    parsers::analyze_postgres(sql, analysis);
  } else {
    std::vector<parsers::Token> scratch;
    parsers::analyze_mysql(sql, {}, analysis, scratch);
  }
  if (analysis.statements.empty()) return "unknown";
  return parsers::statement_kind_name(analysis.statements.front().kind);
}

std::optional<std::uint64_t> hex64(std::string_view s) {
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (s.empty() || s.size() > 16 || ec != std::errc{} || ptr != s.data() + s.size())
    return std::nullopt;
  return v;
}

// Milliseconds (query_time_ms, mean_exec_time_ms) or seconds (query_time).
Result<std::uint64_t> duration_of(const json& q) {
  double us = -1;
  if (const json* v = field(q, {"query_time_ms", "mean_exec_time_ms"}); v && v->is_number()) {
    us = v->get<double>() * 1000.0;
  } else if (const json* s = field(q, {"query_time"}); s && s->is_number()) {
    us = s->get<double>() * 1e6;
  } else if (const json* d = field(q, {"duration_us"}); d && d->is_number()) {
    us = d->get<double>();
  }
  if (!(us >= 0) || us > 1e15)
    return make_error(Errc::invalid_argument,
                      "every query needs query_time_ms (or query_time in seconds) ≥ 0");
  return static_cast<std::uint64_t>(std::llround(us));
}

Result<CollectedQuery> parse_query(const json& q, parsers::Dialect dialect, Clock::time_point now) {
  if (!q.is_object()) return make_error(Errc::invalid_argument, "every query must be an object");
  CollectedQuery out;
  auto text = text_field(q, {"query", "sql_text"}, "query");
  if (!text) return std::move(text).error();
  if (text->size() > kMaxQueryBytes)
    return make_error(Errc::invalid_argument, "query text longer than 1 MiB");
  auto db = text_field(q, {"database", "db"}, "database");
  if (!db) return std::move(db).error();
  auto user = text_field(q, {"user", "user_host"}, "user");
  if (!user) return std::move(user).error();
  auto dialect_name = text_field(q, {"dialect"}, "dialect");
  if (!dialect_name) return std::move(dialect_name).error();
  if (*dialect_name == "mysql")
    dialect = parsers::Dialect::mysql;
  else if (*dialect_name == "postgres")
    dialect = parsers::Dialect::postgres;
  else if (!dialect_name->empty())
    return make_error(Errc::invalid_argument, "dialect must be mysql or postgres");
  out.database = std::move(*db);
  out.user = std::move(*user);

  auto fp = text_field(q, {"fingerprint"}, "fingerprint");
  if (!fp) return std::move(fp).error();
  auto normalized = text_field(q, {"normalized"}, "normalized");
  if (!normalized) return std::move(normalized).error();
  if (!fp->empty() && !normalized->empty()) {
    auto v = hex64(*fp);
    if (!v) return make_error(Errc::invalid_argument, "fingerprint must be 16 hex digits");
    out.fingerprint = *v;
    out.normalized = std::move(*normalized);
    auto kind = text_field(q, {"kind"}, "kind");
    if (!kind) return std::move(kind).error();
    out.kind = kind->empty() ? kind_of(dialect, out.normalized) : std::move(*kind);
  } else {
    if (text->empty()) return make_error(Errc::invalid_argument, "every query needs its text");
    std::string key;
    out.fingerprint = parsers::normalize(dialect, {}, *text, key).fingerprint;
    out.normalized = parsers::normalized_text(dialect, {}, *text);
    out.kind = kind_of(dialect, *text);
  }

  auto duration = duration_of(q);
  if (!duration) return std::move(duration).error();
  out.duration_us = *duration;
  if (const json* c = field(q, {"calls"})) {
    if (!is_count(*c) || c->get<std::uint64_t>() == 0 ||
        c->get<std::uint64_t>() > (std::uint64_t{1} << 40))
      return make_error(Errc::invalid_argument, "calls must be a positive integer");
    out.calls = c->get<std::uint64_t>();
  }
  if (const json* r = field(q, {"rows", "rows_sent"})) {
    if (!r->is_number_integer())
      return make_error(Errc::invalid_argument, "rows must be an integer");
    out.rows = r->get<std::int64_t>();
  }
  out.time = now;
  if (const json* t = field(q, {"start_time"})) {
    if (!t->is_string()) return make_error(Errc::invalid_argument, "start_time must be a string");
    auto parsed = parse_utc_time(t->get<std::string>());
    if (!parsed) return std::move(parsed).error();
    out.time = *parsed;
  }
  return out;
}

}  // namespace

Result<Clock::time_point> parse_utc_time(std::string_view text) {
  std::string s(text);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) <
          6 ||
      mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return make_error(Errc::invalid_argument,
                      "start_time must look like 2026-12-02T14:00:00.123456Z (UTC)");
  std::string_view rest = std::string_view(s).substr(static_cast<std::size_t>(used));
  std::int64_t micros = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 6) micros = micros * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    for (int i = digits; i < 6; ++i) micros *= 10;
  }
  if (rest == "+00:00" || rest == "Z") rest = {};
  if (!rest.empty())
    return make_error(Errc::invalid_argument, "start_time must be UTC (end with Z or nothing)");
  struct tm tm {};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t secs = timegm(&tm);
  return Clock::time_point(std::chrono::seconds(secs)) + std::chrono::microseconds(micros);
}

Result<Batch> parse_batch(const json& body, parsers::Dialect dialect, Clock::time_point now,
                          std::size_t max_queries) {
  Batch batch;
  const json* id = field(body, {"batch_id"});
  if (!id || !id->is_string() || id->get<std::string>().empty() ||
      id->get<std::string>().size() > kMaxBatchIdBytes)
    return make_error(Errc::invalid_argument,
                      "batch_id is required: a string of 1 to 128 bytes, the same on every retry");
  batch.batch_id = id->get<std::string>();
  auto source = text_field(body, {"source"}, "source");
  if (!source) return std::move(source).error();
  batch.source = std::move(*source);
  const json* queries = field(body, {"queries"});
  if (!queries || !queries->is_array())
    return make_error(Errc::invalid_argument, "queries must be an array");
  if (queries->size() > max_queries)
    return make_error(Errc::invalid_argument,
                      fmt::format("a batch holds at most {} queries", max_queries));
  for (std::size_t i = 0; i < queries->size(); ++i) {
    auto q = parse_query((*queries)[i], dialect, now);
    if (!q)
      return make_error(Errc::invalid_argument,
                        fmt::format("queries[{}]: {}", i, q.error().message));
    batch.queries.push_back(std::move(*q));
  }
  return batch;
}

json stored_batch_json(const Batch& batch) {
  json queries = json::array();
  for (const auto& q : batch.queries) {
    queries.push_back({{"fingerprint", fmt::format("{:016x}", q.fingerprint)},
                       {"normalized", q.normalized},
                       {"kind", q.kind},
                       {"database", q.database},
                       {"user", q.user},
                       {"duration_us", q.duration_us},
                       {"calls", q.calls},
                       {"rows", q.rows},
                       {"time_us", std::chrono::duration_cast<std::chrono::microseconds>(
                                       q.time.time_since_epoch())
                                       .count()}});
  }
  return {{"batch_id", batch.batch_id}, {"source", batch.source}, {"queries", queries}};
}

Result<Batch> batch_from_stored(const json& j) {
  if (!j.is_object()) return make_error(Errc::invalid_argument, "not a stored batch");
  Batch batch;
  const json* id = field(j, {"batch_id"});
  const json* queries = field(j, {"queries"});
  if (!id || !id->is_string() || !queries || !queries->is_array())
    return make_error(Errc::invalid_argument, "not a stored batch");
  batch.batch_id = id->get<std::string>();
  if (const json* s = field(j, {"source"}); s && s->is_string())
    batch.source = s->get<std::string>();
  for (const auto& q : *queries) {
    if (!q.is_object()) return make_error(Errc::invalid_argument, "not a stored query");
    CollectedQuery c;
    auto fp = hex64(q.value("fingerprint", ""));
    if (!fp) return make_error(Errc::invalid_argument, "stored query without fingerprint");
    c.fingerprint = *fp;
    c.normalized = q.value("normalized", "");
    c.kind = q.value("kind", "");
    c.database = q.value("database", "");
    c.user = q.value("user", "");
    c.duration_us = q.value("duration_us", std::uint64_t{0});
    c.calls = q.value("calls", std::uint64_t{1});
    c.rows = q.value("rows", std::int64_t{-1});
    c.time = Clock::time_point(std::chrono::microseconds(q.value("time_us", std::int64_t{0})));
    batch.queries.push_back(std::move(c));
  }
  return batch;
}

}  // namespace sw::collector
