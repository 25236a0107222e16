// Acceptance 3: mariadb-dump exo_cluster | mariadb newdb through the proxy;
// the restored database dumps identically to the source.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

TEST(MyDump, DumpAndRestoreRoundTrip) {
  ProxyProcess proxy("my_dump");
  std::string dir = make_temp_dir("my_dump");
  auto auth = fmt::format("--no-defaults -h 127.0.0.1 -P {} -u app -papp", proxy.my_port());
  auto dump = [&](const std::string& db, const std::string& file) {
    return run_command(fmt::format("mariadb-dump {} --skip-dump-date --routines --triggers {} > {}",
                                   auth, db, file));
  };
  auto r = dump("exo_cluster", dir + "/source.sql");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command(fmt::format(
      "mariadb {} -e 'DROP DATABASE IF EXISTS my_dump_copy; CREATE DATABASE my_dump_copy'", auth));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command("bash -c " +
                  shell_quote(fmt::format("set -o pipefail; mariadb-dump {} --skip-dump-date "
                                          "exo_cluster | mariadb {} my_dump_copy",
                                          auth, auth)));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = dump("my_dump_copy", dir + "/copy.sql");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Only the header naming the database may differ.
  r = run_command("bash -c " + shell_quote(fmt::format(
                                   "diff <(grep -v '^-- Host:' {0}/source.sql) <(grep -v '^-- "
                                   "Host:' {0}/copy.sql | sed 's/my_dump_copy/exo_cluster/g')",
                                   dir)));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = run_command(fmt::format("grep -c 'INSERT INTO' {}/copy.sql", dir));
  EXPECT_NE(r.output, "0\n");
  run_command(fmt::format("mariadb {} -e 'DROP DATABASE my_dump_copy'", auth));
}

}  // namespace
}  // namespace sw::test
