#pragma once
// A bounded single-producer single-consumer ring: one per worker, drained by
// the audit writer thread. Lock-free (two atomic indices, each written by
// one side only); slots are constructed once, so pushing moves a record in
// and allocates nothing.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>

namespace sw::audit {

template <class T>
class SpscQueue {
 public:
  explicit SpscQueue(std::size_t capacity)
      : capacity_(capacity), slots_(std::make_unique<T[]>(capacity)) {}

  std::size_t capacity() const noexcept { return capacity_; }

  // Producer: false when full (nothing moved).
  bool try_push(T& value) noexcept {
    std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ >= capacity_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail - head_cache_ >= capacity_) return false;
    }
    slots_[tail % capacity_] = std::move(value);
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer: false when empty.
  bool try_pop(T& out) noexcept {
    std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) return false;
    }
    out = std::move(slots_[head % capacity_]);
    head_.store(head + 1, std::memory_order_seq_cst);
    if (producer_blocked_.load(std::memory_order_seq_cst)) {  // policy `block`
      wake_.fetch_add(1, std::memory_order_seq_cst);
      wake_.notify_all();
    }
    return true;
  }

  // Producer, policy `block`: sleeps until the consumer frees a slot.
  // (Dekker: the flag is set before head_ is re-read, the consumer stores
  // head_ before reading the flag, so one of them sees the other.)
  void wait_not_full() noexcept {
    for (;;) {
      std::uint32_t seen = wake_.load(std::memory_order_seq_cst);
      producer_blocked_.store(true, std::memory_order_seq_cst);
      if (tail_.load(std::memory_order_relaxed) - head_.load(std::memory_order_seq_cst) <
          capacity_) {
        producer_blocked_.store(false, std::memory_order_relaxed);
        return;
      }
      wake_.wait(seen, std::memory_order_seq_cst);
    }
  }

  std::size_t size() const noexcept {
    return static_cast<std::size_t>(tail_.load(std::memory_order_acquire) -
                                    head_.load(std::memory_order_acquire));
  }
  // Items ever pushed (the producer-side sequence number of the next item).
  std::uint64_t pushed() const noexcept { return tail_.load(std::memory_order_acquire); }

 private:
  static constexpr std::size_t kLine = 64;
  const std::size_t capacity_;
  std::unique_ptr<T[]> slots_;
  alignas(kLine) std::atomic<std::uint64_t> tail_{0};  // written by the producer
  std::uint64_t head_cache_ = 0;                       // producer's view of head_
  alignas(kLine) std::atomic<std::uint64_t> head_{0};  // written by the consumer
  std::uint64_t tail_cache_ = 0;                       // consumer's view of tail_
  alignas(kLine) std::atomic<bool> producer_blocked_{false};
  std::atomic<std::uint32_t> wake_{0};
};

}  // namespace sw::audit
