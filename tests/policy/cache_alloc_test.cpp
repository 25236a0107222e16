// A decision-cache hit must not allocate: this binary replaces the global
// operator new to count allocations around gate.check().
#include <string>

#include <gtest/gtest.h>

#include "policy/policy_gate.hpp"
#include "policy/profile.hpp"
#include "tests/support/alloc_counter.hpp"

namespace {

// The counter itself counts: otherwise the zero checks below could never fail.
TEST(DecisionCacheAlloc, CounterSeesAnAllocation) {
  std::size_t n = sw::test::allocations_in([] {
    std::string s(100, 'x');
    asm volatile("" : : "r"(s.data()) : "memory");  // keep the allocation
  });
  EXPECT_GE(n, 1u);
}

std::size_t allocations_of(sw::policy::PolicyGate& gate, const sw::policy::SessionContext& s,
                           const std::string& sql, bool& allowed) {
  sw::policy::Decision d;
  std::size_t n = sw::test::allocations_in([&] { d = gate.check(s, sql); });
  allowed = d.allowed;
  return n;
}

TEST(DecisionCacheAlloc, HitDoesNotAllocate) {
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  ASSERT_TRUE(profiles.ok());
  sw::policy::PolicyGate gate(profiles.value());
  const std::string pg =
      "SELECT id, name, provider, created_at FROM ai_models WHERE provider = 'openai' AND "
      "created_at > '2024-01-01' AND id IN (1, 2, 3, 4, 5) ORDER BY created_at DESC LIMIT 50";
  const std::string my =
      "SELECT `id`, name FROM ai_models WHERE provider = 'openai' /* c */ AND id IN (1, 2, 3)";
  for (auto protocol : {sw::Protocol::postgres, sw::Protocol::mysql}) {
    for (const char* profile : {"exo_ai", "read_only", "allow_all"}) {
      sw::policy::SessionContext s;
      s.protocol = protocol;
      s.profile = profile;
      s.database = "exo_cluster";
      const std::string& sql = protocol == sw::Protocol::postgres ? pg : my;
      bool allowed = false;
      allocations_of(gate, s, sql, allowed);  // miss: fills the cache
      EXPECT_TRUE(allowed) << profile;
      std::size_t hits_before = gate.cache().hits();
      EXPECT_EQ(allocations_of(gate, s, sql, allowed), 0u) << profile;
      EXPECT_TRUE(allowed);
      // Same shape, other literals: still a hit, still no allocation.
      std::string other = sql;
      other.replace(other.find("openai"), 6, "mistral");
      EXPECT_EQ(allocations_of(gate, s, other, allowed), 0u) << profile;
      EXPECT_EQ(gate.cache().hits(), hits_before + 2);
    }
  }
}

}  // namespace
