// The digest histogram: every quantile within 3.2% of the exact one.
#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "audit/histogram.hpp"

namespace {

using sw::audit::LatencyHistogram;

std::uint64_t exact_quantile(std::vector<std::uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * v.size()));
  return v[std::max<std::size_t>(rank, 1) - 1];
}

TEST(Histogram, BucketsAreContiguousAndNarrow) {
  for (std::uint64_t v = 0; v < 200000; v += (v < 1000 ? 1 : 97)) {
    std::size_t b = LatencyHistogram::bucket_of(v);
    std::uint64_t low = LatencyHistogram::bucket_low(b);
    std::uint64_t width = LatencyHistogram::bucket_width(b);
    ASSERT_LE(low, v);
    ASSERT_LT(v, low + width);
    ASSERT_LE(static_cast<double>(width) / 2, std::max<double>(low, 1) / 32 + 0.5) << v;
  }
  EXPECT_LT(LatencyHistogram::bucket_of(UINT64_MAX), 640u);  // bounded
}

TEST(Histogram, QuantilesWithinThreePercent) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(8.0, 1.5);  // ~3 ms median, long tail
  std::vector<std::uint64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 20000; ++i) {
    auto v = static_cast<std::uint64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  for (double q : {0.5, 0.9, 0.95, 0.99, 0.999}) {
    double exact = static_cast<double>(exact_quantile(values, q));
    double got = static_cast<double>(h.quantile(q));
    EXPECT_NEAR(got, exact, exact * 0.032 + 1) << "q=" << q;
  }
  EXPECT_EQ(h.count(), 20000u);
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
}

TEST(Histogram, FixedSleepsAreReportedWithinFivePercent) {
  // What acceptance 3 measures: pg_sleep(0.05) / pg_sleep(0.2) with jitter.
  LatencyHistogram h;
  for (int i = 0; i < 90; ++i) h.record(50'000 + static_cast<std::uint64_t>(i * 13));
  for (int i = 0; i < 10; ++i) h.record(200'000 + static_cast<std::uint64_t>(i * 31));
  EXPECT_NEAR(static_cast<double>(h.quantile(0.5)), 50'600, 50'600 * 0.05);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.95)), 200'150, 200'150 * 0.05);
  EXPECT_NEAR(static_cast<double>(h.quantile(0.99)), 200'250, 200'250 * 0.05);
  EXPECT_EQ(LatencyHistogram().quantile(0.5), 0u);
}

}  // namespace
