#include "proxy/core/metrics.hpp"

#include <cmath>

#include <fmt/format.h>

namespace sw::metrics {

unsigned shard_index() noexcept {
  static std::atomic<unsigned> next{0};
  thread_local unsigned index = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return index;
}

std::uint64_t Counter::value() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& s : shards_) sum += s.value.load(std::memory_order_relaxed);
  return sum;
}

std::int64_t Gauge::value() const noexcept {
  std::int64_t sum = 0;
  for (const auto& s : shards_) sum += s.value.load(std::memory_order_relaxed);
  return sum;
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  for (auto& s : shards_) {
    s.buckets = std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1);
    for (std::size_t i = 0; i <= bounds_.size(); ++i) s.buckets[i].store(0);
  }
}

void Histogram::observe(double value) noexcept {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  Shard& s = shards_[shard_index()];
  s.buckets[i].fetch_add(1, std::memory_order_relaxed);
  s.sum.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snap;
  snap.bounds = bounds_;
  std::vector<std::uint64_t> per_bucket(bounds_.size() + 1, 0);
  for (const auto& s : shards_) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i)
      per_bucket[i] += s.buckets[i].load(std::memory_order_relaxed);
    snap.sum += s.sum.load(std::memory_order_relaxed);
  }
  std::uint64_t running = 0;
  for (auto c : per_bucket) {
    running += c;
    snap.cumulative.push_back(running);
  }
  snap.count = running;
  return snap;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

void Exposition::gauge(std::string_view name, std::string_view help, const Labels& labels,
                       double value) {
  auto& f = families_[std::string(name)];
  f.help = help;
  f.type = "gauge";
  f.samples.emplace_back(labels, value);
}

void Exposition::counter(std::string_view name, std::string_view help, const Labels& labels,
                         double value) {
  auto& f = families_[std::string(name)];
  f.help = help;
  f.type = "counter";
  f.samples.emplace_back(labels, value);
}

Registry& Registry::global() {
  static Registry registry;
  return registry;
}

namespace {

template <class Metric, class Families, class... Args>
Metric& find_or_add(Families& families, std::string_view name, std::string_view help, Labels labels,
                    Args&&... args) {
  auto it = families.find(name);
  if (it == families.end())
    it = families.emplace(std::string(name), typename Families::mapped_type{}).first;
  auto& family = it->second;
  if (family.help.empty()) family.help = help;
  auto& slot = family.metrics[std::move(labels)];
  if (!slot) slot = std::make_unique<Metric>(std::forward<Args>(args)...);
  return *slot;
}

void escape_help(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_labels(std::string& out, const Labels& labels, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  auto one = [&](std::string_view k, std::string_view v) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '\\')
        out += "\\\\";
      else if (c == '"')
        out += "\\\"";
      else if (c == '\n')
        out += "\\n";
      else
        out += c;
    }
    out += '"';
  };
  for (const auto& [k, v] : labels) one(k, v);
  if (!extra_name.empty()) one(extra_name, extra_value);
  out += '}';
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{}", v);
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  escape_help(out, help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

Counter& Registry::counter(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(mutex_);
  return find_or_add<Counter>(counters_, name, help, std::move(labels));
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard lock(mutex_);
  return find_or_add<Gauge>(gauges_, name, help, std::move(labels));
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, Labels labels,
                               std::vector<double> upper_bounds) {
  std::lock_guard lock(mutex_);
  return find_or_add<Histogram>(histograms_, name, help, std::move(labels),
                                std::move(upper_bounds));
}

std::vector<std::pair<Labels, double>> Registry::values(std::string_view name) const {
  std::vector<std::pair<Labels, double>> out;
  std::lock_guard lock(mutex_);
  if (auto it = counters_.find(name); it != counters_.end())
    for (const auto& [labels, m] : it->second.metrics)
      out.emplace_back(labels, static_cast<double>(m->value()));
  if (auto it = gauges_.find(name); it != gauges_.end())
    for (const auto& [labels, m] : it->second.metrics)
      out.emplace_back(labels, static_cast<double>(m->value()));
  return out;
}

std::vector<std::pair<Labels, Histogram::Snapshot>> Registry::histograms(
    std::string_view name) const {
  std::vector<std::pair<Labels, Histogram::Snapshot>> out;
  std::lock_guard lock(mutex_);
  if (auto it = histograms_.find(name); it != histograms_.end())
    for (const auto& [labels, m] : it->second.metrics) out.emplace_back(labels, m->snapshot());
  return out;
}

void Registry::add_collector(Collector collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::render() const {
  Exposition collected;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(mutex_);
    collectors = collectors_;
  }
  for (const auto& c : collectors) c(collected);

  std::string out;
  std::lock_guard lock(mutex_);
  auto scalars = [&out](const auto& families, std::string_view type) {
    for (const auto& [name, family] : families) {
      header(out, name, family.help, type);
      for (const auto& [labels, metric] : family.metrics) {
        out += name;
        append_labels(out, labels);
        out += ' ' + std::to_string(metric->value()) + '\n';
      }
    }
  };
  scalars(counters_, "counter");
  scalars(gauges_, "gauge");
  for (const auto& [name, family] : histograms_) {
    header(out, name, family.help, "histogram");
    for (const auto& [labels, metric] : family.metrics) {
      auto snap = metric->snapshot();
      for (std::size_t i = 0; i <= snap.bounds.size(); ++i) {
        out += name + "_bucket";
        append_labels(out, labels, "le", i < snap.bounds.size() ? number(snap.bounds[i]) : "+Inf");
        out += ' ' + std::to_string(snap.cumulative[i]) + '\n';
      }
      out += name + "_sum";
      append_labels(out, labels);
      out += ' ' + number(snap.sum) + '\n';
      out += name + "_count";
      append_labels(out, labels);
      out += ' ' + std::to_string(snap.count) + '\n';
    }
  }
  for (const auto& [name, family] : collected.families_) {
    // A collector must not reuse a registered name; skip rather than emit a
    // second # TYPE for the same family (which Prometheus rejects).
    if (counters_.count(name) || gauges_.count(name) || histograms_.count(name)) continue;
    header(out, name, family.help, family.type);
    for (const auto& [labels, value] : family.samples) {
      out += name;
      append_labels(out, labels);
      out += ' ' + number(value) + '\n';
    }
  }
  return out;
}

}  // namespace sw::metrics
