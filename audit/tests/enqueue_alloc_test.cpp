// The enqueue path allocates nothing beyond the record itself: a record whose
// strings were built before submit() is moved into a preallocated slot.
#include <gtest/gtest.h>

#include "audit/trail.hpp"
#include "tests/support/alloc_counter.hpp"

namespace {

TEST(EnqueueAlloc, SubmitAllocatesNothing) {
  sw::Config c;
  c.audit.queue_capacity = 4096;
  auto trail = sw::audit::AuditTrail::start(c, 1);
  ASSERT_TRUE(trail.ok());
  std::vector<sw::audit::AuditRecord> records(1000);
  for (auto& r : records) {
    r.tenant = "default-tenant-name-longer-than-sso";
    r.text = std::string(200, 'x');
    r.normalized = std::string(100, 'y');
  }
  std::size_t allocations = sw::test::allocations_in([&] {
    for (auto& r : records) (*trail)->submit(0, std::move(r));
  });
  EXPECT_EQ(allocations, 0u);
  (*trail)->flush();
  EXPECT_EQ((*trail)->stats().written, 1000u);
}

}  // namespace
