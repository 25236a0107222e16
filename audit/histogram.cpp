#include "audit/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sw::audit {

namespace {
constexpr unsigned kSubBits = 4;  // 16 buckets per power of two
constexpr std::uint64_t kMaxValue = (std::uint64_t{1} << 40) - 1;
}  // namespace

// index = 16·shift + (v >> shift), where shift keeps v >> shift in [16, 32).
std::size_t LatencyHistogram::bucket_of(std::uint64_t us) noexcept {
  us = std::min(us, kMaxValue);
  int width = std::bit_width(us);
  unsigned shift = width > static_cast<int>(kSubBits) + 1 ? width - kSubBits - 1 : 0;
  return (std::size_t{shift} << kSubBits) + (us >> shift);
}

std::uint64_t LatencyHistogram::bucket_low(std::size_t index) noexcept {
  if (index < (std::size_t{2} << kSubBits)) return index;
  std::size_t shift = (index >> kSubBits) - 1;
  std::uint64_t top = index - (shift << kSubBits);
  return top << shift;
}

std::uint64_t LatencyHistogram::bucket_width(std::size_t index) noexcept {
  if (index < (std::size_t{2} << kSubBits)) return 1;
  return std::uint64_t{1} << ((index >> kSubBits) - 1);
}

void LatencyHistogram::record(std::uint64_t us) {
  record(us, 1);
}

void LatencyHistogram::record(std::uint64_t us, std::uint64_t n) {
  if (n == 0) return;
  std::size_t b = bucket_of(us);
  if (b >= buckets_.size()) buckets_.resize(b + 1, 0);
  buckets_[b] = static_cast<std::uint32_t>(std::min<std::uint64_t>(buckets_[b] + n, UINT32_MAX));
  count_ += n;
  min_ = std::min(min_, us);
  max_ = std::max(max_, us);
}

std::uint64_t LatencyHistogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * count_));
  rank = std::max<std::uint64_t>(rank, 1);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      std::uint64_t mid = bucket_low(i) + bucket_width(i) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace sw::audit
