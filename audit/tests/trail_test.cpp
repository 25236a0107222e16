// The trail end to end without a server: producers on several threads, the
// writer, the files, group commit, back-pressure and drops, fail_closed.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audit/tests/temp_dir.hpp"
#include "audit/trail.hpp"

namespace {

using namespace sw;
using namespace sw::audit;
using sw::audit::test::read_lines;
using sw::audit::test::TempDir;

Config config_with(const std::string& path, AuditFsync fsync) {
  Config c;
  TenantConfig t;
  t.name = "default";
  c.tenants.push_back(t);
  t.name = "fast";
  t.slow_threshold_ms = 1;
  c.tenants.push_back(t);
  c.audit.jsonl.path = path;
  c.audit.jsonl.fsync = fsync;
  c.audit.jsonl.fsync_interval = std::chrono::milliseconds(20);
  return c;
}

AuditRecord make(std::string tenant, std::uint64_t session, std::uint64_t us) {
  AuditRecord r;
  r.time = std::chrono::system_clock::now();
  r.tenant = std::move(tenant);
  r.protocol = "postgres";
  r.user = "app";
  r.database = "db";
  r.session_id = session;
  r.kind = "select";
  r.fingerprint = session % 3;
  r.normalized = "select ?";
  r.text = "SELECT " + std::to_string(session);
  r.duration_us = us;
  r.rows = 1;
  return r;
}

std::vector<nlohmann::json> statements_in(const std::string& path) {
  std::vector<nlohmann::json> out;
  for (const auto& line : read_lines(path)) {
    auto j = nlohmann::json::parse(line);
    if (j.value("event", "") == "statement") out.push_back(j);
  }
  return out;
}

TEST(Trail, EveryRecordOfEveryProducerExactlyOnce) {
  TempDir dir;
  Config c = config_with(dir.file("audit.jsonl"), AuditFsync::interval);
  c.audit.queue_capacity = 64;  // small: the producers hit back-pressure
  constexpr int kProducers = 4, kEach = 2000;
  {
    auto trail = AuditTrail::start(c, kProducers);
    ASSERT_TRUE(trail.ok()) << trail.error().message;
    std::vector<std::thread> threads;
    for (int p = 0; p < kProducers; ++p)
      threads.emplace_back([&, p] {
        for (int i = 0; i < kEach; ++i)
          (*trail)->submit(p, make("default", static_cast<std::uint64_t>(p) * kEach + i, 10));
      });
    for (auto& t : threads) t.join();
    (*trail)->flush();
    auto s = (*trail)->stats();
    EXPECT_EQ(s.submitted, std::uint64_t{kProducers * kEach});
    EXPECT_EQ(s.dropped, 0u);
    EXPECT_EQ(s.written, std::uint64_t{kProducers * kEach});
    EXPECT_EQ((*trail)->history({0, "default", "", 0}).size(), 1000u);  // default ring size
    auto digests = (*trail)->digests(DigestSort::count, 0);
    ASSERT_EQ(digests.size(), 3u);
    std::uint64_t counted = 0;
    for (const auto& d : digests) counted += d.count;
    EXPECT_EQ(counted, std::uint64_t{kProducers * kEach});
  }
  auto lines = statements_in(dir.file("audit.jsonl"));
  ASSERT_EQ(lines.size(), std::size_t{kProducers * kEach});
  std::set<std::uint64_t> sessions, seqs;
  for (const auto& j : lines) {
    sessions.insert(j["session_id"].get<std::uint64_t>());
    seqs.insert(j["seq"].get<std::uint64_t>());
  }
  EXPECT_EQ(sessions.size(), lines.size());
  EXPECT_EQ(seqs.size(), lines.size());
  EXPECT_EQ(*seqs.rbegin(), lines.size());  // 1..N, no gaps
  auto all = read_lines(dir.file("audit.jsonl"));
  EXPECT_NE(all.front().find("\"audit_start\""), std::string::npos);
  EXPECT_NE(all.back().find("\"audit_stop\""), std::string::npos);
}

TEST(Trail, SequenceContinuesAfterRestartAndUncleanStopIsReported) {
  TempDir dir;
  Config c = config_with(dir.file("audit.jsonl"), AuditFsync::always);
  {
    auto trail = AuditTrail::start(c, 1);
    ASSERT_TRUE(trail.ok());
    for (int i = 0; i < 3; ++i) (*trail)->submit(0, make("default", i, 1));
  }
  {
    std::ofstream(dir.file("audit.jsonl"), std::ios::app)
        << "{\"seq\":4,\"event\":\"statement\"}\n";
    auto trail = AuditTrail::start(c, 1);  // as after a kill -9 following seq 4
    ASSERT_TRUE(trail.ok());
    EXPECT_TRUE((*trail)->stats().previous_run_unclean);
    (*trail)->submit(0, make("default", 9, 1));
    (*trail)->flush();
    EXPECT_EQ((*trail)->stats().last_seq, 5u);
  }
  auto lines = read_lines(dir.file("audit.jsonl"));
  bool reported = false;
  for (const auto& l : lines)
    reported = reported || l.find("\"previous_stop\":\"unclean\"") != std::string::npos;
  EXPECT_TRUE(reported);
}

TEST(Trail, GroupCommitTicketsBecomeDurableAndNotify) {
  TempDir dir;
  Config c = config_with(dir.file("audit.jsonl"), AuditFsync::always);
  auto trail = AuditTrail::start(c, 2);
  ASSERT_TRUE(trail.ok());
  EXPECT_TRUE((*trail)->waits_for_durability());
  std::atomic<int> notified{0};
  (*trail)->set_notifier(1, [&] { notified.fetch_add(1); });
  for (int i = 0; i < 50; ++i) {
    Ticket t = (*trail)->submit(1, make("default", i, 1));
    ASSERT_TRUE(t.queued());
    (*trail)->wait_durable(t);
    ASSERT_TRUE((*trail)->is_durable(t));
    // Durable means on disk now: the line is in the file before the client hears back.
    auto lines = read_lines(dir.file("audit.jsonl"));
    ASSERT_NE(lines.back().find(fmt::format("\"session_id\":{},", i)), std::string::npos);
  }
  EXPECT_GE(notified.load(), 1);
}

TEST(Trail, DropPolicyCountsWhatItDrops) {
  TempDir dir;
  Config c = config_with(dir.file("audit.jsonl"), AuditFsync::none);
  c.audit.queue_capacity = 16;
  c.audit.full_queue = AuditFullQueue::drop;
  auto trail = AuditTrail::start(c, 1);
  ASSERT_TRUE(trail.ok());
  int queued = 0;
  for (int i = 0; i < 20000; ++i) queued += (*trail)->submit(0, make("default", i, 1)).queued();
  (*trail)->flush();
  auto s = (*trail)->stats();
  EXPECT_EQ(s.dropped + static_cast<std::uint64_t>(queued), 20000u);
  EXPECT_EQ(s.written, static_cast<std::uint64_t>(queued));
  EXPECT_EQ(statements_in(dir.file("audit.jsonl")).size(), static_cast<std::size_t>(queued));
}

TEST(Trail, SlowLogPerTenantThresholdInMemoryAndFile) {
  TempDir dir;
  Config c = config_with(dir.file("audit.jsonl"), AuditFsync::interval);
  c.audit.slow_log_path = dir.file("slow.jsonl");
  c.audit.slow_threshold_ms = 500;
  {
    auto trail = AuditTrail::start(c, 1);
    ASSERT_TRUE(trail.ok());
    (*trail)->submit(0, make("default", 1, 499'999));  // under 500 ms
    (*trail)->submit(0, make("default", 2, 500'000));  // at the threshold: slow
    (*trail)->submit(0, make("fast", 3, 1'000));       // tenant threshold 1 ms
    (*trail)->submit(0, make("fast", 4, 999));
    AuditRecord denied = make("fast", 5, 5'000'000);
    denied.event = Event::denied;
    (*trail)->submit(0, std::move(denied));
    (*trail)->flush();
    auto page = (*trail)->slow_since(0, 100);
    ASSERT_EQ(page.entries.size(), 2u);
    EXPECT_EQ(page.entries[0].record.session_id, 2u);
    EXPECT_EQ(page.entries[1].record.session_id, 3u);
    EXPECT_EQ(page.next_cursor, 2u);
  }
  auto slow = read_lines(dir.file("slow.jsonl"));
  ASSERT_EQ(slow.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(slow[1])["cursor"], 2);
  auto trail = AuditTrail::start(c, 1);  // cursors continue across restarts
  ASSERT_TRUE(trail.ok());
  (*trail)->submit(0, make("default", 6, 600'000));
  (*trail)->flush();
  auto page = (*trail)->slow_since(2, 100);
  ASSERT_EQ(page.entries.size(), 1u);
  EXPECT_EQ(page.entries[0].cursor, 3u);
}

TEST(Trail, FailClosedWhileTheFileCannotBeWritten) {
  Config c = config_with("/dev/full", AuditFsync::none);
  c.audit.fail_closed = true;
  auto trail = AuditTrail::start(c, 1);
  ASSERT_FALSE(trail.ok());  // the start marker already fails: a startup error

  // Fails at run time: the file's directory disappears, rotation cannot reopen.
  TempDir dir;
  std::string sub = dir.file("sub");
  std::filesystem::create_directory(sub);
  c = config_with(sub + "/audit.jsonl", AuditFsync::none);
  c.audit.fail_closed = true;
  c.audit.jsonl.rotate_bytes = 1;
  trail = AuditTrail::start(c, 1);
  ASSERT_TRUE(trail.ok());
  EXPECT_FALSE((*trail)->refusing());
  std::filesystem::remove_all(sub);
  (*trail)->submit(0, make("default", 1, 1));
  (*trail)->flush();
  EXPECT_TRUE((*trail)->refusing());
  EXPECT_FALSE((*trail)->stats().healthy);
  EXPECT_GE((*trail)->stats().write_errors, 1u);
  std::filesystem::create_directory(sub);  // the operator fixes it: writing resumes
  (*trail)->submit(0, make("default", 2, 1));
  (*trail)->flush();
  EXPECT_FALSE((*trail)->refusing());
}

}  // namespace
