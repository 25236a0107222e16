#include "audit/db_sink.hpp"

#include <pthread.h>

#include <spdlog/spdlog.h>

namespace sw::audit {

DbSink::DbSink(const AuditDatabaseConfig& config, std::unique_ptr<TableWriter> writer)
    : config_(config), writer_(std::move(writer)) {
  thread_ = std::thread([this] { run(); });
}

DbSink::~DbSink() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DbSink::push(QueryLogRow row) {
  {
    std::lock_guard lock(mu_);
    ++pushed_;
    if (queue_.size() >= config_.queue_capacity) {
      ++settled_;
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(std::move(row));
    if (queue_.size() < config_.batch_size) return;
  }
  wake_.notify_one();
}

void DbSink::drain() {
  std::unique_lock lock(mu_);
  std::uint64_t target = pushed_;
  flush_ = true;
  wake_.notify_one();
  idle_.wait(lock, [&] { return settled_ >= target || stop_; });
}

DbSinkStats DbSink::stats() const {
  return DbSinkStats{written_.load(), dropped_.load(), failures_.load(), healthy_.load()};
}

bool DbSink::insert_batch(std::vector<QueryLogRow>& batch) {
  if (!writer_->connected()) {
    if (auto st = writer_->connect(); !st) {
      if (healthy_.exchange(false)) spdlog::error("{}", st.error().message);
      failures_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  }
  if (auto st = writer_->insert(batch); !st) {
    if (healthy_.exchange(false)) spdlog::error("{}", st.error().message);
    failures_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (!healthy_.exchange(true)) spdlog::info("audit database sink: writing again");
  written_.fetch_add(batch.size(), std::memory_order_relaxed);
  return true;
}

void DbSink::run() {
  pthread_setname_np(pthread_self(), "sw-audit-db");
  std::vector<QueryLogRow> batch;
  auto backoff = std::chrono::milliseconds(100);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, config_.flush_interval, [&] {
        return stop_ || queue_.size() >= config_.batch_size || (flush_ && !queue_.empty());
      });
      if (queue_.empty()) flush_ = false;
      if (stop_ && queue_.empty()) return;
      std::size_t n = std::min<std::size_t>(queue_.size(), config_.batch_size);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (batch.empty()) continue;
    bool ok = insert_batch(batch);
    std::unique_lock lock(mu_);
    if (!ok && !stop_) {
      // Put the batch back at the front (it keeps its place); rows beyond
      // the queue's capacity are dropped, newest first.
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
      while (queue_.size() > config_.queue_capacity) {
        queue_.pop_back();
        ++settled_;
        dropped_.fetch_add(1, std::memory_order_relaxed);
      }
      batch.clear();
      wake_.wait_for(lock, backoff, [&] { return stop_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      continue;
    }
    if (!ok) {  // stopping and the database refuses: what is left is lost, and counted
      std::uint64_t lost = batch.size() + queue_.size();
      queue_.clear();
      settled_ += lost;
      dropped_.fetch_add(lost, std::memory_order_relaxed);
      spdlog::error("audit database sink: {} rows not written at shutdown", lost);
    } else {
      settled_ += batch.size();
      backoff = std::chrono::milliseconds(100);
    }
    batch.clear();
    idle_.notify_all();
  }
}

}  // namespace sw::audit
