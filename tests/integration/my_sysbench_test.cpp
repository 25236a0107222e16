// Acceptance 2: sysbench oltp_read_write and oltp_point_select through the
// proxy, prepared statements on (auto) and off (disable), 8 threads, 10 s,
// zero errors. Tables live in a scratch database created for the test.
#include <algorithm>
#include <regex>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

constexpr const char* scratch_db = "my_sysbench_scratch";

std::string sysbench(std::uint16_t port, const std::string& workload, const std::string& tail) {
  return fmt::format(
      "sysbench {} --mysql-host=127.0.0.1 --mysql-port={} --mysql-user=app --mysql-password=app "
      "--mysql-db={} --tables=4 --table-size=10000 {}",
      workload, port, scratch_db, tail);
}

std::uint64_t figure(const std::string& output, const std::string& label) {
  std::smatch m;
  std::regex re(label + R"(:\s+(\d+))");
  if (!std::regex_search(output, m, re)) return ~0ull;
  return std::stoull(m[1]);
}

class MySysbench : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {
 protected:
  static void SetUpTestSuite() {
    proxy_ = new ProxyProcess("my_sysbench");
    auto r = run_command(fmt::format(
        "mariadb --no-defaults -h 127.0.0.1 -P {} -u app -papp -e 'DROP DATABASE IF EXISTS {}; "
        "CREATE DATABASE {}'",
        proxy_->my_port(), scratch_db, scratch_db));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = run_command(sysbench(proxy_->my_port(), "oltp_read_write", "prepare"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() {
    run_command(
        fmt::format("mariadb --no-defaults -h 127.0.0.1 -P {} -u app -papp -e 'DROP "
                    "DATABASE IF EXISTS {}'",
                    proxy_->my_port(), scratch_db));
    delete proxy_;
    proxy_ = nullptr;
  }
  static ProxyProcess* proxy_;
};
ProxyProcess* MySysbench::proxy_ = nullptr;

TEST_P(MySysbench, RunsWithoutErrors) {
  auto [workload, ps_mode] = GetParam();
  auto r = run_command(sysbench(proxy_->my_port(), workload,
                                fmt::format("--threads=8 --time=10 --db-ps-mode={} run", ps_mode)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("FATAL"), std::string::npos) << r.output;
  // Every error fails the run (sysbench stops with FATAL) except the ones it
  // retries by design: deadlocks and lock waits (1213, 1020, 1205) that the
  // workload itself provokes on the server, with or without a proxy.
  std::uint64_t retried = figure(r.output, "ignored errors");
  std::uint64_t transactions = figure(r.output, "transactions");
  EXPECT_LE(retried, std::max<std::uint64_t>(2, transactions / 200)) << r.output;
  std::uint64_t queries = figure(r.output, "queries");
  EXPECT_GT(queries, 1000u) << r.output;
  std::cout << workload << " ps=" << ps_mode << ": " << queries << " queries in 10 s, " << retried
            << " retried deadlocks\n";
  EXPECT_TRUE(proxy_->running());
}

INSTANTIATE_TEST_SUITE_P(Workloads, MySysbench,
                         ::testing::Combine(::testing::Values("oltp_read_write",
                                                              "oltp_point_select"),
                                            ::testing::Values("auto", "disable")));

}  // namespace
}  // namespace sw::test

namespace sw::test {
namespace {

// Issue 10, acceptance 2: 32 sysbench threads over a transaction-mode pool
// of 8 server connections, prepared statements on: zero failures.
TEST(MySysbenchPooled, ThirtyTwoThreadsOverEightConnections) {
  ProxyProcess proxy("my_sysbench_pooled", extra_toml_options(R"(
[tenants.pool]
mode = "transaction"
size = 8
client_wait_timeout_ms = 60000
)"));
  const std::string db = "my_sysbench_pooled";
  auto admin = [&](const std::string& sql) {
    return run_command(fmt::format("mariadb --no-defaults -h 127.0.0.1 -P {} -u app -papp -e '{}'",
                                   proxy.my_port(), sql));
  };
  auto r = admin(fmt::format("DROP DATABASE IF EXISTS {0}; CREATE DATABASE {0}", db));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto bench = [&](const std::string& tail) {
    return run_command(fmt::format(
        "sysbench oltp_read_write --mysql-host=127.0.0.1 --mysql-port={} --mysql-user=app "
        "--mysql-password=app --mysql-db={} --tables=4 --table-size=10000 {}",
        proxy.my_port(), db, tail));
  };
  r = bench("prepare");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = bench("--threads=32 --time=10 --db-ps-mode=auto run");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("FATAL"), std::string::npos) << r.output;
  std::uint64_t transactions = figure(r.output, "transactions");
  std::uint64_t retried = figure(r.output, "ignored errors");
  EXPECT_GT(transactions, 100u) << r.output;
  EXPECT_LE(retried, std::max<std::uint64_t>(2, transactions / 200)) << r.output;
  std::cout << "sysbench 32 threads over pool 8: " << transactions << " transactions, " << retried
            << " retried deadlocks\n";
  admin(fmt::format("DROP DATABASE IF EXISTS {}", db));
  EXPECT_TRUE(proxy.running());
}

}  // namespace
}  // namespace sw::test
