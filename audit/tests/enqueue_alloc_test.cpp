// The enqueue path allocates nothing beyond the record itself: a record whose
// strings were built before submit() is moved into a preallocated slot.
#include <atomic>
#include <cstdlib>
#include <new>

#include <gtest/gtest.h>

#include "audit/trail.hpp"

namespace {
thread_local bool counting = false;  // this thread only: the writer allocates freely
std::atomic<std::size_t> allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  if (counting) allocations.fetch_add(1);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

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
  counting = true;
  for (auto& r : records) (*trail)->submit(0, std::move(r));
  counting = false;
  EXPECT_EQ(allocations.load(), 0u);
  (*trail)->flush();
  EXPECT_EQ((*trail)->stats().written, 1000u);
}

}  // namespace
