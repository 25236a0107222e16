#pragma once
// The real StatementGate: profile lookup, length limit, one lexer pass to
// the cache key, cache lookup; on a miss the full analysis (libpg_query or
// the MySQL classifier) and the profile's rules. One instance per worker.
#include <memory>
#include <string>
#include <vector>

#include "parsers/normalizer.hpp"
#include "parsers/statement.hpp"
#include "parsers/token.hpp"
#include "policy/decision_cache.hpp"
#include "policy/gate.hpp"
#include "policy/profile.hpp"

namespace sw::policy {

class PolicyGate final : public StatementGate {
 public:
  PolicyGate(std::vector<Profile> profiles, std::size_t cache_capacity = 8192);

  // Decides and counts the statement (by kind) and any denial (by rule).
  Decision check(const SessionContext& session, std::string_view sql) override;

  const DecisionCache& cache() const noexcept { return cache_; }
  void clear_cache() noexcept { cache_.clear(); }
  const Profile* find_profile(std::string_view name) const noexcept;

 private:
  Decision decide(const SessionContext& session, std::string_view sql);

  std::vector<Profile> profiles_;
  DecisionCache cache_;
  parsers::KeyBuffer key_;              // reusable key buffer
  parsers::Analysis analysis_;          // reusable on misses
  std::vector<parsers::Token> tokens_;  // reusable on misses
};

}  // namespace sw::policy
