// A sqlwarden's own wire-level slow log through its admin API (see source.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "collector/agent/http_client.hpp"
#include "collector/agent/source.hpp"

namespace sw::collector::agent {

namespace {

using nlohmann::json;

constexpr std::size_t kPage = 1000;

class SqlwardenSource final : public Source {
 public:
  const char* name() const noexcept override { return "sqlwarden.slow"; }

  Result<Collection> collect(const DbConfig& db, const json& cursor) override {
    Url url{false, db.host, std::to_string(db.port), ""};
    HttpClient http(url, std::chrono::seconds(10));
    Headers headers;
    if (!db.password.empty())
      headers.emplace_back("Authorization", "Bearer " + db.password.reveal());
    std::uint64_t since = 0;
    if (cursor.is_object() && cursor.value("since", json()).is_number_unsigned())
      since = cursor["since"].get<std::uint64_t>();
    Collection out;
    // Page until the log is drained, so one collection leaves no backlog.
    for (int page = 0; page < 100; ++page) {
      auto reply =
          http.request("GET", fmt::format("/api/v1/slow?since={}&limit={}", since, kPage), headers);
      if (!reply) return std::move(reply).error();
      if (reply->status != 200)
        return make_error(Errc::io, fmt::format("sqlwarden slow log: HTTP {}", reply->status));
      json j = json::parse(reply->body, nullptr, false);
      if (!j.is_object() || !j.value("entries", json()).is_array() ||
          !j.value("next_cursor", json()).is_number_unsigned())
        return make_error(Errc::protocol_violation, "sqlwarden slow log: unexpected answer");
      out.missed += j.value("missed", std::uint64_t{0});
      for (const auto& e : j["entries"]) {
        if (!e.is_object() || e.value("event", std::string()) != "statement") continue;
        auto us = e.value("duration_us", std::uint64_t{0});
        if (us < std::uint64_t{db.min_exec_time_ms} * 1000) continue;
        std::string text = e.value("text", std::string());
        json item = {
            {"query", text.empty() ? e.value("normalized", std::string()) : text},
            {"fingerprint", e.value("fingerprint", std::string())},
            {"normalized", e.value("normalized", std::string())},
            {"kind", e.value("kind", std::string())},
            {"dialect", e.value("protocol", std::string()) == "postgres" ? "postgres" : "mysql"},
            {"user", e.value("user", std::string())},
            {"database", e.value("database", std::string())},
            {"query_time_ms", static_cast<double>(us) / 1000.0},
            {"rows", e.value("rows", std::int64_t{-1})}};
        if (auto t = e.value("time", std::string()); !t.empty()) item["start_time"] = t;
        out.queries.push_back(std::move(item));
      }
      std::uint64_t next = j["next_cursor"].get<std::uint64_t>();
      bool more = j["entries"].size() >= kPage && next > since;
      since = std::max(since, next);
      if (!more) break;
    }
    out.cursor = {{"since", since}};
    return out;
  }
};

}  // namespace

std::unique_ptr<Source> make_sqlwarden_source() {
  return std::make_unique<SqlwardenSource>();
}

std::unique_ptr<Source> make_source(DbType type) {
  switch (type) {
    case DbType::postgres:
      return make_postgres_source();
    case DbType::sqlwarden:
      return make_sqlwarden_source();
    case DbType::mysql:
      break;
  }
  return make_mysql_source();
}

}  // namespace sw::collector::agent
