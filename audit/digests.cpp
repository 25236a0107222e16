#include "audit/digests.hpp"

#include <algorithm>

namespace sw::audit {

void DigestTable::add(const AuditRecord& r, std::uint64_t calls) {
  if (r.event != Event::statement || calls == 0) return;
  std::lock_guard lock(mu_);
  auto it = entries_.find(DigestKeyLess::View{r.tenant, r.user, r.database, r.fingerprint});
  if (it == entries_.end()) {
    if (entries_.size() >= max_) {
      ++overflow_;
      return;
    }
    it = entries_.emplace(DigestKey{r.tenant, r.user, r.database, r.fingerprint}, Entry{}).first;
    it->second.kind = r.kind;
    it->second.normalized = r.normalized;
    it->second.first_seen = r.time;
  }
  Entry& e = it->second;
  e.count += calls;
  if (r.failed()) e.errors += calls;
  if (r.rows > 0) e.rows += static_cast<std::uint64_t>(r.rows);
  e.total_us += r.duration_us * calls;
  e.histogram.record(r.duration_us, calls);
  e.last_seen = std::max(e.last_seen, r.time);
}

std::vector<DigestRow> DigestTable::top(DigestSort sort, std::size_t limit) const {
  std::vector<DigestRow> rows;
  {
    std::lock_guard lock(mu_);
    rows.reserve(entries_.size());
    for (const auto& [key, e] : entries_) {
      DigestRow row;
      static_cast<DigestTotals&>(row) = e;
      row.key = key;
      row.min_us = e.histogram.min();
      row.max_us = e.histogram.max();
      row.p50_us = e.histogram.quantile(0.50);
      row.p95_us = e.histogram.quantile(0.95);
      row.p99_us = e.histogram.quantile(0.99);
      rows.push_back(std::move(row));
    }
  }
  auto metric = [sort](const DigestRow& r) {
    switch (sort) {
      case DigestSort::count:
        return r.count;
      case DigestSort::p99:
        return r.p99_us;
      case DigestSort::total_time:
        break;
    }
    return r.total_us;
  };
  std::stable_sort(rows.begin(), rows.end(),
                   [&](const DigestRow& a, const DigestRow& b) { return metric(a) > metric(b); });
  if (limit != 0 && rows.size() > limit) rows.resize(limit);
  return rows;
}

std::size_t DigestTable::reset(std::string_view tenant) {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  if (tenant.empty()) {
    n = entries_.size();
    entries_.clear();
    overflow_ = 0;
    return n;
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->first.tenant == tenant) {
      it = entries_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  return n;
}

std::uint64_t DigestTable::overflow() const {
  std::lock_guard lock(mu_);
  return overflow_;
}

std::size_t DigestTable::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace sw::audit
