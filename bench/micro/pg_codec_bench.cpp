// The PostgreSQL codec on a DataRow-heavy response (the shape of a large
// SELECT result): framing as the relay does it (DataRows stream through
// uninspected), and a full decode of every DataRow into column values.
#include <benchmark/benchmark.h>

#include <array>

#include "proxy/pg/codec/frame_scanner.hpp"
#include "proxy/pg/codec/messages.hpp"

namespace {

using namespace sw;
namespace codec = sw::pg::codec;

constexpr int kRows = 10000;

// 10,000 DataRows of 5 columns (int, text, NULL, timestamp, text), then
// CommandComplete and ReadyForQuery: about 80 bytes per row.
Bytes make_response() {
  Bytes out;
  const char* cols[] = {"12345", "i-0abc123def456", nullptr, "2025-01-15 10:30:00", "available"};
  for (int i = 0; i < kRows; ++i) {
    std::size_t at = out.size();
    out.push_back('D');
    ByteWriter w(out);
    w.u32_be(0);
    w.u16_be(5);
    for (const char* c : cols) {
      if (!c) {
        w.i32_be(-1);
        continue;
      }
      std::string_view v(c);
      w.i32_be(static_cast<std::int32_t>(v.size()));
      w.bytes(v);
    }
    w.patch_u32_be(at + 1, static_cast<std::uint32_t>(out.size() - at - 1));
  }
  Bytes tail{'C', 0, 0, 0, 17, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', '0', '0', '0', '0', 0};
  out.insert(out.end(), tail.begin(), tail.end());
  codec::append_ready_for_query(out, 'I');
  return out;
}

// The server→client relay: 16 kB reads, only ReadyForQuery/ErrorResponse inspected.
void BM_PgRelayFramingDataRows(benchmark::State& state) {
  Bytes response = make_response();
  static constexpr codec::InspectSet kInspect{'Z', 'E'};
  std::size_t messages = 0;
  for (auto _ : state) {
    codec::FrameScanner scanner(kInspect, 0x7fffffff);
    ByteSpan all(response);
    std::size_t pos = 0;
    std::size_t visible = 0;
    for (;;) {
      auto step = scanner.next(all.subspan(pos, visible - pos));
      if (step.kind == codec::ScanStep::Kind::need_more) {
        if (visible == all.size()) break;
        visible = std::min(all.size(), visible + 16384);
        continue;
      }
      if (step.starts_message || step.kind == codec::ScanStep::Kind::message) ++messages;
      scanner.consume(step.size);
      pos += step.size;
    }
  }
  benchmark::DoNotOptimize(messages);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * (kRows + 2));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * response.size()));
}
BENCHMARK(BM_PgRelayFramingDataRows);

// Every DataRow inspected and decoded into its column values.
void BM_PgDecodeDataRows(benchmark::State& state) {
  Bytes response = make_response();
  static constexpr codec::InspectSet kInspect{'D', 'C', 'Z', 'E'};
  std::array<std::optional<ByteSpan>, 16> cols;
  std::size_t total = 0;
  for (auto _ : state) {
    codec::FrameScanner scanner(kInspect, 0x7fffffff);
    ByteSpan all(response);
    std::size_t pos = 0;
    while (pos < all.size()) {
      auto step = scanner.next(all.subspan(pos));
      if (step.kind != codec::ScanStep::Kind::message) break;
      if (step.type == 'D') {
        auto n = codec::parse_data_row(all.subspan(pos, step.size), cols);
        if (n) total += *n;
      }
      scanner.consume(step.size);
      pos += step.size;
    }
  }
  benchmark::DoNotOptimize(total);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * (kRows + 2));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * response.size()));
}
BENCHMARK(BM_PgDecodeDataRows);

}  // namespace
