#pragma once
// A first-in first-out queue that owns no memory while it has never held
// anything. Sessions keep several small queues (expected replies, queued
// notifications, statements in flight) that are empty nearly all the time;
// std::deque allocates a map and a 512-byte block even when empty, which for
// 10,000 idle clients is tens of megabytes of nothing.
//
// A vector plus the index of the front: pop_front is O(1), the consumed
// prefix is dropped once it is the larger part, and the storage is released
// when the queue empties after holding many elements.
#include <cstddef>
#include <utility>
#include <vector>

namespace sw {

template <class T>
class Fifo {
 public:
  using iterator = typename std::vector<T>::iterator;
  using const_iterator = typename std::vector<T>::const_iterator;

  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }

  T& front() noexcept { return items_[head_]; }
  const T& front() const noexcept { return items_[head_]; }
  T& back() noexcept { return items_.back(); }
  const T& back() const noexcept { return items_.back(); }

  iterator begin() noexcept { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }
  iterator end() noexcept { return items_.end(); }
  const_iterator begin() const noexcept {
    return items_.begin() + static_cast<std::ptrdiff_t>(head_);
  }
  const_iterator end() const noexcept { return items_.end(); }

  void push_back(T value) { items_.push_back(std::move(value)); }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    return items_.emplace_back(std::forward<Args>(args)...);
  }
  // Inserts before `pos` (an iterator of this queue).
  iterator insert(const_iterator pos, T value) { return items_.insert(pos, std::move(value)); }
  template <class It>
  void assign(It first, It last) {
    items_.assign(first, last);
    head_ = 0;
  }

  void pop_front() {
    ++head_;
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= kCompactAfter && head_ * 2 >= items_.size()) {
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  void clear() noexcept {
    items_.clear();
    head_ = 0;
    if (items_.capacity() > kKeepCapacity) std::vector<T>().swap(items_);
  }

 private:
  static constexpr std::size_t kCompactAfter = 32;
  static constexpr std::size_t kKeepCapacity = 8;
  std::vector<T> items_;
  std::size_t head_ = 0;
};

}  // namespace sw
