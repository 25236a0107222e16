#pragma once
// Counts heap allocations made by the calling thread while a piece of code
// runs. The binary that links tests/support/alloc_counter.cpp has the
// global operator new replaced; link it into its own test binary only.
#include <cstddef>
#include <utility>

namespace sw::test {

void start_counting_allocations() noexcept;
// Allocations this thread made since start_counting_allocations().
std::size_t stop_counting_allocations() noexcept;

template <class F>
std::size_t allocations_in(F&& f) {
  start_counting_allocations();
  std::forward<F>(f)();
  return stop_counting_allocations();
}

}  // namespace sw::test
