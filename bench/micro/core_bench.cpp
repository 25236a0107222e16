// Core costs every session pays before protocol codecs exist: walking wire
// frames with the bounds-checked readers, building frames with the writer,
// and loading the configuration (done at start and on every reload).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <string>

#include "proxy/core/bytes.hpp"
#include "proxy/core/config_loader.hpp"

namespace {

// A PostgreSQL backend reply to `SELECT abalance FROM pgbench_accounts WHERE aid = $1`
// in shape: RowDescription, DataRow, CommandComplete, ReadyForQuery, repeated.
sw::Bytes pg_reply_stream(int replies) {
  sw::Bytes out;
  sw::ByteWriter w(out);
  auto frame = [&](char type, auto&& body) {
    w.u8(static_cast<std::uint8_t>(type));
    const std::size_t at = w.size();
    w.u32_be(0);
    body();
    w.patch_u32_be(at, static_cast<std::uint32_t>(w.size() - at));
  };
  for (int i = 0; i < replies; ++i) {
    frame('T', [&] {
      w.u16_be(1);
      w.cstring("abalance");
      w.u32_be(16384);
      w.u16_be(3);
      w.u32_be(23);
      w.u16_be(4);
      w.i32_be(-1);
      w.u16_be(0);
    });
    frame('D', [&] {
      w.u16_be(1);
      w.u32_be(4);
      w.bytes(std::string_view("1234"));
    });
    frame('C', [&] { w.cstring("SELECT 1"); });
    frame('Z', [&] { w.u8('I'); });
  }
  return out;
}

// Splits a buffer into PostgreSQL frames (type byte + length) the way a
// relay that tracks ReadyForQuery must.
void BM_PgFrameWalk(benchmark::State& state) {
  const sw::Bytes stream = pg_reply_stream(64);
  std::int64_t frames = 0;
  for (auto _ : state) {
    sw::ByteReader r(stream);
    std::uint32_t ready = 0;
    while (!r.empty()) {
      auto type = r.u8();
      auto len = r.u32_be();
      if (!type || !len || *len < 4 || !r.skip(*len - 4)) break;
      ready += *type == 'Z';
      ++frames;
    }
    benchmark::DoNotOptimize(ready);
  }
  state.SetItemsProcessed(frames);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_PgFrameWalk);

// MySQL packets: 3-byte little-endian length + sequence id.
void BM_MysqlPacketWalk(benchmark::State& state) {
  sw::Bytes stream;
  sw::ByteWriter w(stream);
  for (int i = 0; i < 256; ++i) {
    const std::string_view row =
        "\x04"
        "1234";
    w.u24_le(static_cast<std::uint32_t>(row.size()));
    w.u8(static_cast<std::uint8_t>(i));
    w.bytes(row);
  }
  std::int64_t packets = 0;
  for (auto _ : state) {
    sw::ByteReader r(stream);
    while (!r.empty()) {
      auto len = r.u24_le();
      if (!len || !r.u8() || !r.skip(*len)) break;
      ++packets;
    }
    benchmark::DoNotOptimize(r.position());
  }
  state.SetItemsProcessed(packets);
}
BENCHMARK(BM_MysqlPacketWalk);

// Building one Query ('Q') frame with a back-patched length.
void BM_PgQueryFrameBuild(benchmark::State& state) {
  const std::string sql = "SELECT abalance FROM pgbench_accounts WHERE aid = 48213;";
  sw::Bytes out;
  for (auto _ : state) {
    out.clear();
    sw::ByteWriter w(out);
    w.u8('Q');
    w.u32_be(0);
    w.cstring(sql);
    w.patch_u32_be(1, static_cast<std::uint32_t>(out.size() - 1));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_PgQueryFrameBuild);

std::string example_config() {
  std::ifstream in(SQLWARDEN_SOURCE_DIR "/config/sqlwarden.example.toml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void BM_ConfigLoadExample(benchmark::State& state) {
  const std::string text = example_config();
  if (text.empty()) {
    state.SkipWithError("config/sqlwarden.example.toml not found");
    return;
  }
  for (auto _ : state) {
    auto load = sw::load_toml_config_text(text, "sqlwarden.example.toml");
    if (!load.ok()) {
      state.SkipWithError("example config does not load");
      break;
    }
    benchmark::DoNotOptimize(load.config);
  }
}
BENCHMARK(BM_ConfigLoadExample);

}  // namespace
