#include "audit/statement_tracker.hpp"

namespace sw::audit {

void StatementTracker::begin(AuditRecord&& base, Clock::time_point sent) {
  in_flight_.push_back(InFlight{std::move(base), sent});
}

bool StatementTracker::finish(Clock::time_point done, std::int64_t rows, std::string error_code,
                              std::string error_message, AuditRecord& out) {
  if (in_flight_.empty()) return false;
  InFlight& f = in_flight_.front();
  out = std::move(f.record);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(done - f.sent).count();
  out.duration_us = us > 0 ? static_cast<std::uint64_t>(us) : 0;
  out.rows = rows;
  out.error_code = std::move(error_code);
  out.error_message = std::move(error_message);
  in_flight_.pop_front();
  return true;
}

}  // namespace sw::audit
