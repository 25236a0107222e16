// The statement gate's hot path (cache hit), its miss path (full parse and
// rules) and the normaliser's throughput, for both dialects.
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "parsers/normalizer.hpp"
#include "parsers/pg_analyzer.hpp"
#include "policy/policy_gate.hpp"
#include "policy/profile.hpp"

namespace {

// ~200 characters, the size the acceptance target names.
const std::string kPg200 =
    "SELECT m.id, m.name, m.provider, m.created_at FROM ai_models m JOIN providers p ON "
    "p.id = m.provider_id WHERE m.provider = 'openai' AND m.created_at > '2024-01-01' AND "
    "m.id IN (1, 2, 3) ORDER BY m.id LIMIT 50";
const std::string kMy200 =
    "SELECT m.`id`, m.name, m.provider, m.created_at FROM ai_models m JOIN providers p ON "
    "p.id = m.provider_id WHERE m.provider = 'openai' AND m.created_at > '2024-01-01' AND "
    "m.id IN (1, 2, 3) ORDER BY m.id LIMIT 50";

sw::policy::PolicyGate make_gate(std::size_t capacity = 8192) {
  auto profiles = sw::policy::compile_profiles(sw::Config{});
  return sw::policy::PolicyGate(std::move(profiles.value()), capacity);
}

sw::policy::SessionContext session(sw::Protocol p) {
  sw::policy::SessionContext s;
  s.protocol = p;
  s.profile = "exo_ai";
  s.database = "exo_cluster";
  return s;
}

void gate_hit(benchmark::State& state, sw::Protocol p, const std::string& sql) {
  auto gate = make_gate();
  auto s = session(p);
  if (!gate.check(s, sql).allowed) state.SkipWithError("statement denied");
  for (auto _ : state) {
    auto d = gate.check(s, sql);
    benchmark::DoNotOptimize(d.allowed);
  }
  state.counters["chars"] = static_cast<double>(sql.size());
}
void BM_GateCacheHit_Postgres200(benchmark::State& state) {
  gate_hit(state, sw::Protocol::postgres, kPg200);
}
void BM_GateCacheHit_Mysql200(benchmark::State& state) {
  gate_hit(state, sw::Protocol::mysql, kMy200);
}
BENCHMARK(BM_GateCacheHit_Postgres200);
BENCHMARK(BM_GateCacheHit_Mysql200);

// Every check a miss: distinct column names, a cache of 8 entries.
void gate_miss(benchmark::State& state, sw::Protocol p, const std::string& base) {
  std::vector<std::string> sqls;
  for (int i = 0; i < 4096; ++i) {
    std::string s = base;
    s.replace(s.find("m.name"), 6, fmt::format("m.c{:04}", i));
    sqls.push_back(std::move(s));
  }
  auto gate = make_gate(8);
  auto s = session(p);
  std::size_t i = 0;
  for (auto _ : state) {
    auto d = gate.check(s, sqls[i++ & 4095]);
    benchmark::DoNotOptimize(d.allowed);
  }
}
void BM_GateCacheMiss_Postgres200(benchmark::State& state) {
  gate_miss(state, sw::Protocol::postgres, kPg200);
}
void BM_GateCacheMiss_Mysql200(benchmark::State& state) {
  gate_miss(state, sw::Protocol::mysql, kMy200);
}
BENCHMARK(BM_GateCacheMiss_Postgres200);
BENCHMARK(BM_GateCacheMiss_Mysql200);

// The miss path's largest part on PostgreSQL: libpg_query parse + walk.
void BM_PgAnalyze200(benchmark::State& state) {
  sw::parsers::Analysis a;
  for (auto _ : state) {
    sw::parsers::analyze_postgres(kPg200, a);
    benchmark::DoNotOptimize(a.statements.size());
  }
}
BENCHMARK(BM_PgAnalyze200);

// Normaliser throughput over a mixed batch of statements.
std::string batch(const std::string& one) {
  std::string out;
  while (out.size() < (1u << 20)) out += one + "\n";
  return out;
}
void normalize_throughput(benchmark::State& state, sw::parsers::Dialect d, const std::string& one) {
  std::string text = batch(one);
  sw::parsers::KeyBuffer key;
  for (auto _ : state) {
    key.clear();
    auto r = sw::parsers::normalize(d, {}, text, key);
    benchmark::DoNotOptimize(r.fingerprint);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
void BM_Normalize_Postgres(benchmark::State& state) {
  normalize_throughput(state, sw::parsers::Dialect::postgres, kPg200);
}
void BM_Normalize_Mysql(benchmark::State& state) {
  normalize_throughput(state, sw::parsers::Dialect::mysql, kMy200);
}
BENCHMARK(BM_Normalize_Postgres);
BENCHMARK(BM_Normalize_Mysql);

}  // namespace
