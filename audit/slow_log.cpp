#include "audit/slow_log.hpp"

namespace sw::audit {

void SlowLog::start_at(std::uint64_t first_cursor) {
  std::lock_guard lock(mu_);
  next_ = first_cursor;
}

std::uint64_t SlowLog::add(const AuditRecord& r) {
  std::lock_guard lock(mu_);
  std::uint64_t cursor = next_++;
  if (capacity_ == 0) return cursor;
  if (ring_.size() >= capacity_) ring_.pop_front();
  ring_.push_back(SlowEntry{cursor, r});
  return cursor;
}

SlowPage SlowLog::since(std::uint64_t cursor, std::size_t limit) const {
  SlowPage page;
  std::lock_guard lock(mu_);
  page.next_cursor = cursor;
  if (ring_.empty()) {
    // Everything up to next_-1 was evicted or never kept.
    if (next_ > 1 && cursor < next_ - 1) page.missed = next_ - 1 - cursor;
    page.next_cursor = std::max(cursor, next_ - 1);
    return page;
  }
  std::uint64_t oldest = ring_.front().cursor;
  if (cursor + 1 < oldest) page.missed = oldest - cursor - 1;
  std::size_t start = cursor < oldest ? 0 : static_cast<std::size_t>(cursor - oldest + 1);
  for (std::size_t i = start; i < ring_.size(); ++i) {
    if (limit != 0 && page.entries.size() >= limit) break;
    page.entries.push_back(ring_[i]);
    page.next_cursor = ring_[i].cursor;
  }
  if (page.entries.empty() && page.missed) page.next_cursor = oldest - 1;
  return page;
}

std::uint64_t SlowLog::last_cursor() const {
  std::lock_guard lock(mu_);
  return next_ - 1;
}

}  // namespace sw::audit
