#pragma once
// The metrics registry: counters, gauges and histograms that the data path
// updates without locks and /metrics reads on scrape. Each metric is split
// into cache-line-sized shards; a thread always adds to its own shard
// (relaxed atomics, no contention between workers) and a scrape sums them.
// Creating a metric takes a lock: do it once (at startup, or on first use of
// a rare label like a denial rule) and keep the reference — metrics are
// never destroyed, so references stay valid for the life of the process.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sw::metrics {

inline constexpr unsigned kShards = 16;
// This thread's shard (threads are spread round-robin over kShards).
unsigned shard_index() noexcept;

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept {
    shards_[shard_index()].value.fetch_add(n, std::memory_order_relaxed);
  }
  std::uint64_t value() const noexcept;

 private:
  struct alignas(64) Shard {
    std::atomic<std::uint64_t> value{0};
  };
  std::array<Shard, kShards> shards_;
};

// A value that goes up and down (open connections); add/sub may happen on
// different threads, the sum is what counts.
class Gauge {
 public:
  void add(std::int64_t n = 1) noexcept {
    shards_[shard_index()].value.fetch_add(n, std::memory_order_relaxed);
  }
  void sub(std::int64_t n = 1) noexcept { add(-n); }
  std::int64_t value() const noexcept;

 private:
  struct alignas(64) Shard {
    std::atomic<std::int64_t> value{0};
  };
  std::array<Shard, kShards> shards_;
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value) noexcept;

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  struct alignas(64) Shard {
    std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;  // bounds.size() + 1
    std::atomic<double> sum{0};
  };
  std::vector<double> bounds_;
  std::array<Shard, kShards> shards_;
};

// Seconds, 100 µs to 10 s: proxy overhead to slow queries.
std::vector<double> latency_buckets();

// Values computed on scrape by whoever owns them (connections per tenant,
// pool sizes, audit queue depth): a collector adds samples to this.
class Exposition {
 public:
  void gauge(std::string_view name, std::string_view help, const Labels& labels, double value);
  void counter(std::string_view name, std::string_view help, const Labels& labels, double value);

 private:
  friend class Registry;
  struct Family {
    std::string help;
    std::string type;
    std::vector<std::pair<Labels, double>> samples;
  };
  std::map<std::string, Family, std::less<>> families_;
};

class Registry {
 public:
  static Registry& global();

  Counter& counter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, Labels labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, Labels labels = {},
                       std::vector<double> upper_bounds = latency_buckets());

  using Collector = std::function<void(Exposition&)>;
  void add_collector(Collector collector);

  // Prometheus text format 0.0.4: # HELP and # TYPE once per family, then
  // its samples; names and label values escaped.
  std::string render() const;

  // Current values of one counter or gauge family, for JSON views of the
  // same numbers (/api/v1/stats); empty when no such family exists.
  std::vector<std::pair<Labels, double>> values(std::string_view name) const;
  std::vector<std::pair<Labels, Histogram::Snapshot>> histograms(std::string_view name) const;

 private:
  template <class Metric>
  struct Family {
    std::string help;
    std::map<Labels, std::unique_ptr<Metric>> metrics;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Family<Counter>, std::less<>> counters_;
  std::map<std::string, Family<Gauge>, std::less<>> gauges_;
  std::map<std::string, Family<Histogram>, std::less<>> histograms_;
  std::vector<Collector> collectors_;
};

}  // namespace sw::metrics
