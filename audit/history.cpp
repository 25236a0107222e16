#include "audit/history.hpp"

#include <algorithm>

namespace sw::audit {

void HistoryRing::add(AuditRecord&& r) {
  if (capacity_ == 0) return;
  std::lock_guard lock(mu_);
  auto it = by_tenant_.find(r.tenant);
  if (it == by_tenant_.end()) it = by_tenant_.emplace(r.tenant, std::deque<AuditRecord>()).first;
  auto& ring = it->second;
  if (ring.size() >= capacity_) ring.pop_front();
  ring.push_back(std::move(r));
}

std::vector<AuditRecord> HistoryRing::query(const HistoryQuery& q) const {
  std::vector<AuditRecord> out;
  std::lock_guard lock(mu_);
  for (const auto& [tenant, ring] : by_tenant_) {
    if (!q.tenant.empty() && tenant != q.tenant) continue;
    std::size_t taken = 0;
    for (auto it = ring.rbegin(); it != ring.rend(); ++it) {
      if (it->seq <= q.since) break;  // the ring is in seq order
      if (!q.user.empty() && it->user != q.user) continue;
      if (q.limit != 0 && taken >= q.limit) break;
      out.push_back(*it);
      ++taken;
    }
  }
  std::sort(out.begin(), out.end(),
            [](const AuditRecord& a, const AuditRecord& b) { return a.seq < b.seq; });
  if (q.limit != 0 && out.size() > q.limit) out.erase(out.begin(), out.end() - q.limit);
  return out;
}

}  // namespace sw::audit
