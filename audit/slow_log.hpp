#pragma once
// Statements over their tenant's threshold, kept in memory with a cursor
// (consecutive numbers from 1) so a collector can pull "everything after
// cursor C" without gaps or duplicates. When the ring has already dropped
// entries the collector has not seen, the page says how many.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "audit/record.hpp"

namespace sw::audit {

struct SlowEntry {
  std::uint64_t cursor = 0;
  AuditRecord record;
};

struct SlowPage {
  std::vector<SlowEntry> entries;  // cursor order
  std::uint64_t next_cursor = 0;   // pass as `since` next time
  std::uint64_t missed = 0;        // entries after `since` already evicted from memory
};

class SlowLog {
 public:
  explicit SlowLog(std::size_t capacity, std::uint64_t first_cursor = 1)
      : capacity_(capacity), next_(first_cursor) {}

  // Continues numbering after a previous run's slow-log file (before any add).
  void start_at(std::uint64_t first_cursor);
  // Returns the entry's cursor.
  std::uint64_t add(const AuditRecord& r);
  SlowPage since(std::uint64_t cursor, std::size_t limit) const;
  std::uint64_t last_cursor() const;

 private:
  mutable std::mutex mu_;
  std::deque<SlowEntry> ring_;
  std::size_t capacity_;
  std::uint64_t next_;
};

}  // namespace sw::audit
