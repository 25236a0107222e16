// The JSONL file: rotation by size and age, tail reading after a crash.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "audit/jsonl_file.hpp"
#include "audit/tests/temp_dir.hpp"

namespace {

using namespace sw;
using namespace sw::audit;
using sw::audit::test::TempDir;

std::size_t files_in(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

TEST(JsonlFile, RotatesBySizeKeepingWholeLines) {
  TempDir dir;
  AuditJsonlConfig c;
  c.path = dir.file("audit.jsonl");
  c.fsync = AuditFsync::always;
  c.rotate_bytes = 100;
  auto f = JsonlFile::open(c);
  ASSERT_TRUE(f.ok()) << f.error().message;
  std::string line = "{\"seq\":1,\"x\":\"" + std::string(40, 'a') + "\"}\n";  // 56 bytes
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*f)->append(line).ok());
    ASSERT_TRUE((*f)->sync().ok());
  }
  EXPECT_EQ((*f)->rotations(), 4u);
  EXPECT_EQ(files_in(dir.path()), 5u);
  std::size_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    for (const auto& l : test::read_lines(e.path())) total += (l + "\n" == line);
  EXPECT_EQ(total, 5u);
  EXPECT_EQ(std::filesystem::status(c.path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST(JsonlFile, RotatesByAge) {
  TempDir dir;
  AuditJsonlConfig c;
  c.path = dir.file("audit.jsonl");
  c.fsync = AuditFsync::none;
  c.rotate_age = std::chrono::seconds(1);
  auto f = JsonlFile::open(c);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->append("{\"seq\":1}\n").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE((*f)->append("{\"seq\":2}\n").ok());
  EXPECT_EQ((*f)->rotations(), 1u);
  EXPECT_EQ(files_in(dir.path()), 2u);
}

TEST(JsonlFile, TailFindsLastSeqAndUncleanStop) {
  TempDir dir;
  std::string p = dir.file("a.jsonl");
  EXPECT_FALSE(read_jsonl_tail(p).existed);
  std::ofstream(p) << "{\"seq\":41,\"a\":1}\n{\"seq\":42,\"a\":1}\n";
  auto t = read_jsonl_tail(p);
  EXPECT_TRUE(t.existed);
  EXPECT_FALSE(t.clean_stop);
  EXPECT_EQ(t.last_seq, 42u);
  std::ofstream(p, std::ios::app) << "{\"seq\":43,\"a\":";  // torn write from a crash
  t = read_jsonl_tail(p);
  EXPECT_FALSE(t.clean_stop);
  EXPECT_EQ(t.last_seq, 42u);
  std::ofstream(p) << "{\"seq\":1}\n{\"time\":\"x\",\"event\":\"audit_stop\",\"last_seq\":9}\n";
  t = read_jsonl_tail(p);
  EXPECT_TRUE(t.clean_stop);
  EXPECT_EQ(t.last_seq, 9u);
}

TEST(JsonlFile, UnwritableIsAnError) {
  AuditJsonlConfig c;
  c.path = "/nonexistent-dir/audit.jsonl";
  EXPECT_FALSE(JsonlFile::open(c).ok());
  c.path = "/dev/full";
  auto f = JsonlFile::open(c);
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE((*f)->append("{}\n").ok());
}

}  // namespace
