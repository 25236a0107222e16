#pragma once
// A bounded log-linear latency histogram (µs): values below 32 are exact;
// above, every power of two is split into 16 equal buckets, so a bucket's
// midpoint is within 1/32 (3.1%) of every value in it. Buckets grow on
// demand up to 2^40 µs (12 days) — at most 608 counters per histogram.
#include <cstdint>
#include <vector>

namespace sw::audit {

class LatencyHistogram {
 public:
  void record(std::uint64_t us);
  // `n` values of `us` at once (a collector's pg_stat_statements delta
  // knows only the mean of its calls).
  void record(std::uint64_t us, std::uint64_t n);
  std::uint64_t count() const noexcept { return count_; }
  // The value at quantile q (0 < q ≤ 1): the midpoint of the bucket holding
  // the ceil(q·count)-th smallest value, clamped to [min, max]. 0 when empty.
  std::uint64_t quantile(double q) const noexcept;
  std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  std::uint64_t max() const noexcept { return max_; }

  static std::size_t bucket_of(std::uint64_t us) noexcept;
  static std::uint64_t bucket_low(std::size_t index) noexcept;
  static std::uint64_t bucket_width(std::size_t index) noexcept;

 private:
  std::vector<std::uint32_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace sw::audit
