#pragma once
// Per-worker cache of verdicts keyed by the exact key bytes (profile,
// dialect and lexing flags, database, normalised token encoding). Bounded:
// 8-way set-associative with CLOCK replacement inside each set. Single
// threaded by design (one per worker), so no locks. A hit compares the
// stored key byte for byte (no trust in the 64-bit hash alone) and never
// allocates.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/evaluate.hpp"

namespace sw::policy {

class DecisionCache {
 public:
  explicit DecisionCache(std::size_t capacity = 8192);

  const Verdict* find(std::uint64_t hash, std::string_view key) noexcept;
  void insert(std::uint64_t hash, std::string_view key, const Verdict& verdict);
  void clear() noexcept;

  std::size_t size() const noexcept { return size_; }
  std::size_t capacity() const noexcept { return entries_.size(); }
  std::uint64_t hits() const noexcept { return hits_; }
  std::uint64_t misses() const noexcept { return misses_; }

 private:
  static constexpr std::size_t kWays = 8;
  struct Entry {
    std::uint64_t hash = 0;
    bool used = false;
    bool referenced = false;
    std::string key;
    Verdict verdict;
  };
  std::size_t set_of(std::uint64_t hash) const noexcept { return (hash >> 7) & set_mask_; }

  std::vector<Entry> entries_;
  std::vector<std::uint8_t> hands_;
  std::size_t set_mask_ = 0;
  std::size_t size_ = 0;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace sw::policy
