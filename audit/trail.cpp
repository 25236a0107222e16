#include "audit/trail.hpp"

#include <pthread.h>

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "audit/db_sink.hpp"
#include "audit/json_line.hpp"
#include "audit/jsonl_file.hpp"
#include "audit/syslog_sink.hpp"

namespace sw::audit {

struct AuditTrail::Producer {
  explicit Producer(std::size_t capacity) : queue(capacity) {}
  SpscQueue<AuditRecord> queue;
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> durable{0};  // positions up to here went through a committed batch
  std::uint64_t popped = 0;               // writer thread only
  std::mutex notifier_mu;
  Notifier notifier;
};

namespace {
// Records taken from one queue per round, so one busy worker cannot starve
// the others' group commits.
constexpr std::size_t kRoundPerQueue = 4096;
}  // namespace

AuditTrail::AuditTrail(Key, const Config& config, std::uint32_t producers)
    : config_(config.audit),
      group_commit_(!config.audit.jsonl.path.empty() &&
                    config.audit.jsonl.fsync == AuditFsync::always),
      history_(config.audit.history_size),
      digests_(config.audit.max_digests),
      slow_(config.audit.slow_log_size) {
  for (const auto& t : config.tenants)
    tenant_slow_ms_.emplace_back(t.name, t.slow_threshold_ms.value_or(config_.slow_threshold_ms));
  if (config_.jsonl.fsync == AuditFsync::interval)
    idle_wait_ = std::clamp(config_.jsonl.fsync_interval / 2, std::chrono::milliseconds(1),
                            std::chrono::milliseconds(100));
  for (std::uint32_t i = 0; i < std::max<std::uint32_t>(producers, 1); ++i)
    queues_.push_back(std::make_unique<Producer>(config_.queue_capacity));
}

Result<std::unique_ptr<AuditTrail>> AuditTrail::start(const Config& config,
                                                      std::uint32_t producers) {
  std::unique_ptr<TableWriter> writer;
  if (config.audit.database.enabled) writer = make_table_writer(config.audit.database);
  return start(config, producers, std::move(writer));
}

Result<std::unique_ptr<AuditTrail>> AuditTrail::start(const Config& config, std::uint32_t producers,
                                                      std::unique_ptr<TableWriter> table_writer) {
  auto trail = std::make_unique<AuditTrail>(Key{}, config, producers);
  if (auto st = trail->open_sinks(std::move(table_writer)); !st) return std::move(st).error();
  trail->writer_ = std::thread([t = trail.get()] { t->run(); });
  return trail;
}

Status AuditTrail::open_sinks(std::unique_ptr<TableWriter> table_writer) {
  if (!config_.jsonl.path.empty()) {
    auto f = JsonlFile::open(config_.jsonl);
    if (!f) return std::move(f).error();
    file_ = std::move(*f);
    const JsonlTail& tail = file_->tail();
    next_seq_ = tail.last_seq + 1;
    previous_unclean_ = tail.existed && !tail.clean_stop;
    if (previous_unclean_)
      spdlog::warn(
          "audit: {} did not end with audit_stop: the previous run stopped uncleanly after "
          "seq {}; records not yet written then (fsync {}) are lost",
          config_.jsonl.path, tail.last_seq,
          config_.jsonl.fsync == AuditFsync::always ? "always: none acknowledged"
          : config_.jsonl.fsync == AuditFsync::interval
              ? fmt::format("interval: at most {} ms", config_.jsonl.fsync_interval.count())
              : std::string("none: unbounded"));
    write_marker("audit_start");
  }
  if (!config_.slow_log_path.empty()) {
    AuditJsonlConfig slow = config_.jsonl;
    slow.path = config_.slow_log_path;
    auto f = JsonlFile::open(slow);
    if (!f) return std::move(f).error();
    slow_file_ = std::move(*f);
    slow_.start_at(slow_file_->tail().last_seq + 1);
  }
  if (config_.syslog.enabled) syslog_ = std::make_unique<SyslogSink>(config_.syslog);
  if (table_writer) db_ = std::make_unique<DbSink>(config_.database, std::move(table_writer));
  if (file_) {
    if (auto st = file_->append(lines_); !st) return st;
    lines_.clear();
    if (auto st = file_->sync(true); !st) return st;
  }
  return {};
}

AuditTrail::~AuditTrail() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Ticket AuditTrail::submit(std::uint32_t producer, AuditRecord&& record) {
  Producer& p = *queues_[producer];
  while (!p.queue.try_push(record)) {
    if (config_.full_queue == AuditFullQueue::drop) {
      p.dropped.fetch_add(1, std::memory_order_relaxed);
      return {};
    }
    wake_writer();
    p.queue.wait_not_full();
  }
  Ticket t{producer, p.queue.pushed()};
  // Under group commit the writer must come now; otherwise it comes on its
  // own schedule, unless the queue is filling up.
  if (group_commit_ || p.queue.size() * 2 > p.queue.capacity()) wake_writer();
  return t;
}

void AuditTrail::wake_writer() {
  // Orders the queue's tail store before this load (Dekker with the writer,
  // which stores writer_sleeping_ before it looks at the queues).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (writer_sleeping_.load(std::memory_order_seq_cst)) {
    std::lock_guard lock(mu_);
    wake_.notify_one();
  }
}

bool AuditTrail::refusing() const noexcept {
  if (!config_.fail_closed) return false;
  return !healthy_.load(std::memory_order_acquire) || (db_ && !db_->stats().healthy);
}

bool AuditTrail::is_durable(const Ticket& t) const noexcept {
  if (!t.queued()) return true;
  return queues_[t.producer]->durable.load(std::memory_order_acquire) >= t.position;
}

void AuditTrail::wait_durable(const Ticket& t) const {
  if (is_durable(t)) return;
  durable_waiters_.fetch_add(1, std::memory_order_seq_cst);
  {
    std::unique_lock lock(mu_);
    durable_cv_.wait(lock, [&] { return is_durable(t) || stop_; });
  }
  durable_waiters_.fetch_sub(1, std::memory_order_seq_cst);
}

void AuditTrail::set_notifier(std::uint32_t producer, Notifier notifier) {
  Producer& p = *queues_[producer];
  std::lock_guard lock(p.notifier_mu);
  p.notifier = std::move(notifier);
}

std::uint32_t AuditTrail::slow_threshold_ms(std::string_view tenant) const {
  for (const auto& [name, ms] : tenant_slow_ms_)
    if (name == tenant) return ms;
  return config_.slow_threshold_ms;
}

void AuditTrail::flush() {
  std::unique_lock lock(mu_);
  std::uint64_t target = ++flush_requested_;
  wake_.notify_one();
  durable_cv_.wait(lock, [&] { return flush_done_ >= target || stop_; });
}

void AuditTrail::flush_database() {
  flush();
  if (db_) db_->drain();
}

TrailStats AuditTrail::stats() const {
  TrailStats s;
  for (const auto& p : queues_) {
    s.submitted += p->queue.pushed();
    s.dropped += p->dropped.load(std::memory_order_relaxed);
    s.queued += p->queue.size();
  }
  s.written = written_.load();
  s.write_errors = write_errors_.load();
  s.last_seq = last_seq_.load();
  s.digest_overflow = digests_.overflow();
  if (db_) {
    DbSinkStats d = db_->stats();
    s.db_written = d.written;
    s.db_dropped = d.dropped;
    s.healthy = d.healthy;
  }
  s.healthy = s.healthy && healthy_.load();
  s.previous_run_unclean = previous_unclean_;
  return s;
}

void AuditTrail::write_marker(const char* event) {
  std::string& out = lines_;
  out.append("{\"time\":\"");
  append_utc_time(std::chrono::system_clock::now(), out);
  fmt::format_to(std::back_inserter(out), "\",\"event\":\"{}\",\"last_seq\":{}", event,
                 next_seq_ - 1);
  if (std::string_view(event) == "audit_start")
    fmt::format_to(std::back_inserter(out), ",\"previous_stop\":\"{}\"",
                   previous_unclean_ ? "unclean" : "clean");
  out.append("}\n");
}

void AuditTrail::process(AuditRecord& r) {
  r.seq = next_seq_++;
  std::size_t line_start = lines_.size();
  append_json_line(r, lines_);
  std::string_view line(lines_.data() + line_start, lines_.size() - line_start);
  if (syslog_) syslog_->write(line.substr(0, line.size() - 1), r.failed());
  if (db_) db_->push(to_query_log_row(r));
  digests_.add(r);
  std::uint64_t threshold_us = std::uint64_t{slow_threshold_ms(r.tenant)} * 1000;
  if (r.event == Event::statement && r.duration_us >= threshold_us) {
    std::uint64_t cursor = slow_.add(r);
    if (slow_file_) {
      fmt::format_to(std::back_inserter(slow_lines_), "{{\"cursor\":{},", cursor);
      slow_lines_.append(line.substr(1));
    }
  }
  if (!file_) lines_.resize(line_start);  // formatted only for syslog
  history_.add(std::move(r));
}

std::size_t AuditTrail::drain_once() {
  std::size_t total = 0;
  AuditRecord r;
  for (auto& p : queues_) {
    std::size_t n = 0;
    while (n < kRoundPerQueue && p->queue.try_pop(r)) {
      process(r);
      ++n;
    }
    p->popped += n;
    total += n;
  }
  return total;
}

void AuditTrail::commit_batch() {
  Status st;
  if (file_) {
    st = file_->append(lines_);
    if (st) st = file_->sync();
  }
  if (slow_file_ && !slow_lines_.empty()) {
    Status slow = slow_file_->append(slow_lines_);
    if (slow) slow = slow_file_->sync();
    if (st && !slow) st = std::move(slow);
  }
  lines_.clear();
  slow_lines_.clear();
  if (!st) {
    write_errors_.fetch_add(1, std::memory_order_relaxed);
    if (healthy_.exchange(false)) spdlog::error("audit: {}", st.error().message);
  } else if (!healthy_.load(std::memory_order_relaxed)) {
    healthy_.store(true);
    spdlog::info("audit: writing again");
  }
  last_seq_.store(next_seq_ - 1, std::memory_order_relaxed);
  written_.store(next_seq_ - 1, std::memory_order_relaxed);
  // Publish durability (also after a failure: waiters are released and the
  // trail reports itself unhealthy, which fail_closed turns into refusals).
  for (auto& p : queues_) {
    if (p->durable.load(std::memory_order_relaxed) == p->popped) continue;
    p->durable.store(p->popped, std::memory_order_seq_cst);
    std::lock_guard lock(p->notifier_mu);
    if (p->notifier) p->notifier();
  }
  if (durable_waiters_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard lock(mu_);
    durable_cv_.notify_all();
  }
}

void AuditTrail::run() {
  pthread_setname_np(pthread_self(), "sw-audit");
  std::uint64_t reported_drops = 0;
  auto last_drop_report = std::chrono::steady_clock::now();
  for (;;) {
    std::uint64_t flush_seen;
    bool stopping;
    {
      std::lock_guard lock(mu_);
      flush_seen = flush_requested_;
      stopping = stop_;
    }
    std::size_t n = drain_once();
    if (n) {
      commit_batch();
      continue;
    }
    if (file_) {
      if (auto st = file_->sync(); !st && healthy_.exchange(false))
        spdlog::error("audit: {}", st.error().message);
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_drop_report >= std::chrono::seconds(1)) {
      std::uint64_t drops = 0;
      for (const auto& p : queues_) drops += p->dropped.load(std::memory_order_relaxed);
      if (drops != reported_drops)
        spdlog::warn("audit: {} records dropped (queue full, full_queue = \"drop\"), {} in total",
                     drops - reported_drops, drops);
      reported_drops = drops;
      last_drop_report = now;
    }
    std::unique_lock lock(mu_);
    if (flush_seen > flush_done_) {
      if (file_) (void)file_->sync(config_.jsonl.fsync != AuditFsync::none);
      flush_done_ = flush_seen;
      durable_cv_.notify_all();
    }
    if (stopping) break;
    if (flush_requested_ > flush_done_ || stop_) continue;
    writer_sleeping_.store(true, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    bool empty = true;
    for (const auto& p : queues_) empty = empty && p->queue.size() == 0;
    if (empty) wake_.wait_for(lock, idle_wait_);
    writer_sleeping_.store(false, std::memory_order_seq_cst);
  }
  // Stopping: every queue is empty (producers are gone by now).
  if (file_) {
    write_marker("audit_stop");
    (void)file_->append(lines_);
    lines_.clear();
    (void)file_->sync(true);
  }
  if (slow_file_) (void)slow_file_->sync(true);
  std::lock_guard lock(mu_);
  durable_cv_.notify_all();
}

}  // namespace sw::audit
