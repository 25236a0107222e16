// The audit enqueue path a worker pays per statement: moving a record into
// its SPSC queue (no allocation beyond the record's own strings), and the
// writer's sustained throughput behind it (`block` policy: when the writer
// falls behind, the producer waits, so items/s is the end-to-end rate).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "audit/trail.hpp"

namespace {

sw::audit::AuditRecord sample(std::uint64_t i) {
  sw::audit::AuditRecord r;
  r.time = std::chrono::system_clock::now();
  r.tenant = "default";
  r.protocol = "postgres";
  r.client_addr = "127.0.0.1:50000";
  r.user = "app";
  r.database = "exo_cluster";
  r.session_id = i % 64;
  r.kind = "select";
  r.fingerprint = i % 16;
  r.normalized = "select abalance from pgbench_accounts where aid = ?";
  r.text = "SELECT abalance FROM pgbench_accounts WHERE aid = " + std::to_string(i);
  r.duration_us = 100 + i % 1000;
  r.rows = 1;
  return r;
}

sw::Config config(bool jsonl, sw::AuditFullQueue policy) {
  sw::Config c;
  sw::TenantConfig t;
  t.name = "default";
  c.tenants.push_back(t);
  c.audit.queue_capacity = 1 << 16;
  c.audit.full_queue = policy;
  if (jsonl) {
    c.audit.jsonl.path = "/tmp/sqlwarden-audit-bench-" + std::to_string(::getpid()) + ".jsonl";
    c.audit.jsonl.fsync = sw::AuditFsync::interval;
  }
  return c;
}

// Move a prebuilt record in: the worker's whole cost. With `drop` the
// queue never blocks, so this is the pure enqueue (plus drops once full).
void BM_SubmitPrebuilt(benchmark::State& state) {
  bool jsonl = state.range(0) != 0;
  auto trail = sw::audit::AuditTrail::start(config(jsonl, sw::AuditFullQueue::drop), 1);
  if (!trail.ok()) {
    state.SkipWithError(trail.error().message.c_str());
    return;
  }
  constexpr std::size_t kBatch = 4096;
  std::vector<sw::audit::AuditRecord> records;
  std::uint64_t i = 0;
  for (auto _ : state) {
    if (records.empty()) {
      state.PauseTiming();
      for (std::size_t k = 0; k < kBatch; ++k) records.push_back(sample(i++));
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize((*trail)->submit(0, std::move(records.back())));
    records.pop_back();
  }
  auto s = (*trail)->stats();
  state.counters["dropped"] = static_cast<double>(s.dropped);
  state.SetItemsProcessed(state.iterations());
  if (jsonl)
    ::unlink(("/tmp/sqlwarden-audit-bench-" + std::to_string(::getpid()) + ".jsonl").c_str());
}
BENCHMARK(BM_SubmitPrebuilt)->Arg(0)->Arg(1);

// Build the record and submit under `block`: the sustained rate the writer
// (JSON lines, history, digests, slow log, file) keeps up with.
void BM_BuildAndSubmitSustained(benchmark::State& state) {
  bool jsonl = state.range(0) != 0;
  auto trail = sw::audit::AuditTrail::start(config(jsonl, sw::AuditFullQueue::block), 1);
  if (!trail.ok()) {
    state.SkipWithError(trail.error().message.c_str());
    return;
  }
  std::uint64_t i = 0;
  for (auto _ : state) (*trail)->submit(0, sample(i++));
  (*trail)->flush();
  state.SetItemsProcessed(state.iterations());
  if (jsonl)
    ::unlink(("/tmp/sqlwarden-audit-bench-" + std::to_string(::getpid()) + ".jsonl").c_str());
}
BENCHMARK(BM_BuildAndSubmitSustained)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace
