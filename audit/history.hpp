#pragma once
// The last N audit records per tenant (seed 000 keeps 1000), for
// GET /api/v1/audit. Written by the audit writer thread, read by the admin API.
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "audit/record.hpp"

namespace sw::audit {

struct HistoryQuery {
  std::size_t limit = 100;  // most recent matching records; 0 = all kept
  std::string tenant;       // empty = every tenant
  std::string user;         // empty = every user
  std::uint64_t since = 0;  // only records with seq > since
};

class HistoryRing {
 public:
  explicit HistoryRing(std::size_t per_tenant) : capacity_(per_tenant) {}
  void add(AuditRecord&& r);  // taken: the writer is done with it
  // Oldest first (by seq).
  std::vector<AuditRecord> query(const HistoryQuery& q) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<AuditRecord>, std::less<>> by_tenant_;
  std::size_t capacity_;
};

}  // namespace sw::audit
