#include "policy/decision_cache.hpp"

namespace sw::policy {

DecisionCache::DecisionCache(std::size_t capacity) {
  std::size_t sets = 1;
  while (sets * kWays < capacity) sets <<= 1;
  entries_.resize(sets * kWays);
  hands_.assign(sets, 0);
  set_mask_ = sets - 1;
}

const Verdict* DecisionCache::find(std::uint64_t hash, std::string_view key) noexcept {
  Entry* set = &entries_[set_of(hash) * kWays];
  for (std::size_t w = 0; w < kWays; ++w) {
    Entry& e = set[w];
    if (e.used && e.hash == hash && std::string_view(e.key) == key) {
      e.referenced = true;
      ++hits_;
      return &e.verdict;
    }
  }
  ++misses_;
  return nullptr;
}

void DecisionCache::insert(std::uint64_t hash, std::string_view key, const Verdict& verdict) {
  std::size_t s = set_of(hash);
  Entry* set = &entries_[s * kWays];
  Entry* victim = nullptr;
  for (std::size_t w = 0; w < kWays && !victim; ++w)
    if (!set[w].used || (set[w].hash == hash && std::string_view(set[w].key) == key))
      victim = &set[w];
  // CLOCK: skip (and clear) recently used entries until one was not used.
  while (!victim) {
    Entry& e = set[hands_[s]];
    hands_[s] = static_cast<std::uint8_t>((hands_[s] + 1) % kWays);
    if (e.referenced) {
      e.referenced = false;
    } else {
      victim = &e;
    }
  }
  if (!victim->used) ++size_;
  victim->used = true;
  victim->referenced = false;
  victim->hash = hash;
  victim->key.assign(key.data(), key.size());
  victim->verdict = verdict;
}

void DecisionCache::clear() noexcept {
  for (auto& e : entries_) {
    e.used = false;
    e.referenced = false;
  }
  size_ = 0;
}

}  // namespace sw::policy
