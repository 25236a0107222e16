// Baseline: the bounds-checked readers every codec is built on.
#include <benchmark/benchmark.h>

#include "proxy/core/bytes.hpp"

namespace {

void BM_ReadU32Be(benchmark::State& state) {
  sw::Bytes data(4096, 0x5a);
  for (auto _ : state) {
    sw::ByteReader r(data);
    std::uint64_t sum = 0;
    while (auto v = r.u32_be()) sum += *v;
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 4096);
}
BENCHMARK(BM_ReadU32Be);

}  // namespace
