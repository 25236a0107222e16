#pragma once
// Digest statistics per (tenant, user, database, fingerprint), what
// ProxySQL's stats_mysql_query_digest and pg_stat_statements give. Updated
// by the audit writer thread, read by the admin API; one mutex, held for a
// map lookup and a few additions.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "audit/histogram.hpp"
#include "audit/record.hpp"

namespace sw::audit {

struct DigestKey {
  std::string tenant;
  std::string user;
  std::string database;
  std::uint64_t fingerprint = 0;
  friend auto operator<=>(const DigestKey&, const DigestKey&) = default;
};

// Orders keys as DigestKey's operator<=> does, and finds one from a record's
// fields without copying them (one lookup per audited statement).
struct DigestKeyLess {
  using is_transparent = void;
  struct View {
    std::string_view tenant, user, database;
    std::uint64_t fingerprint;
  };
  static View view(const DigestKey& k) noexcept {
    return {k.tenant, k.user, k.database, k.fingerprint};
  }
  static View view(const View& v) noexcept { return v; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    View x = view(a), y = view(b);
    return std::tie(x.tenant, x.user, x.database, x.fingerprint) <
           std::tie(y.tenant, y.user, y.database, y.fingerprint);
  }
};

// What every digest sums up.
struct DigestTotals {
  std::string kind;
  std::string normalized;
  std::uint64_t count = 0;
  std::uint64_t errors = 0;
  std::uint64_t rows = 0;
  std::uint64_t total_us = 0;
  std::chrono::system_clock::time_point first_seen;
  std::chrono::system_clock::time_point last_seen;
};

struct DigestRow : DigestTotals {
  DigestKey key;
  std::uint64_t min_us = 0;
  std::uint64_t max_us = 0;
  std::uint64_t p50_us = 0;
  std::uint64_t p95_us = 0;
  std::uint64_t p99_us = 0;
};

enum class DigestSort { total_time, count, p99 };

class DigestTable {
 public:
  explicit DigestTable(std::size_t max_digests) : max_(max_digests) {}

  // Statements that ran (denials and failed logins have no duration to add).
  void add(const AuditRecord& r) { add(r, 1); }
  // `calls` executions summed up elsewhere (a collector's pg_stat_statements
  // delta): `r.duration_us` is their mean, `r.rows` their total.
  void add(const AuditRecord& r, std::uint64_t calls);
  // Highest first; limit 0 = all.
  std::vector<DigestRow> top(DigestSort sort, std::size_t limit) const;
  // Forgets the digests of `tenant` ("" = all); returns how many.
  std::size_t reset(std::string_view tenant = {});
  // Records not counted because max_digests distinct keys already existed.
  std::uint64_t overflow() const;
  std::size_t size() const;

 private:
  struct Entry : DigestTotals {
    LatencyHistogram histogram;
  };
  mutable std::mutex mu_;
  std::map<DigestKey, Entry, DigestKeyLess> entries_;
  std::size_t max_;
  std::uint64_t overflow_ = 0;
};

}  // namespace sw::audit
