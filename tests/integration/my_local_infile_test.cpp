// LOAD DATA LOCAL INFILE through sqlwarden (profile setting local_infile):
// allowed — the same rows arrive as direct, single and inside a
// multi-statement; refused — the server's own errors (1148, 4166 in a
// multi-statement); and a hostile server that asks for another file than
// the statement named never gets it (direct, the same client sends it).
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/command.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

std::string mariadb(std::uint16_t port, const std::string& sql) {
  return fmt::format(
      "mariadb --no-defaults --connect-timeout=10 --local-infile=1 -N -B -h 127.0.0.1 -P {} "
      "-u app -papp exo_cluster -e {} 2>&1",
      port, shell_quote(sql));
}

// The same client reading a script from stdin.
std::string mariadb_script(std::uint16_t port, const std::string& script) {
  return fmt::format(
      "mariadb --no-defaults --connect-timeout=10 --local-infile=1 -N -B -h 127.0.0.1 -P {} "
      "-u app -papp exo_cluster 2>&1 <<'SQL'\n{}SQL\n",
      port, script);
}

ProxyOptions local_infile_on() {
  ProxyOptions o;
  o.extra_toml = "[profiles.allow_all]\nlocal_infile = true\n";
  return o;
}

// A CSV file and the statements that load it into a temporary table.
struct Csv {
  std::string path;
  Csv() {
    path = make_temp_dir("my_local_infile") + "/rows.csv";
    std::ofstream f(path);
    for (int i = 1; i <= 500; ++i) f << i << ",row " << i << "\n";
  }
  std::string load() const {
    return "LOAD DATA LOCAL INFILE '" + path + "' INTO TABLE li FIELDS TERMINATED BY ','";
  }
};

constexpr const char* kTable = "CREATE TEMPORARY TABLE li (a INT, b VARCHAR(20))";
constexpr const char* kCount = "SELECT count(*), sum(a), max(b) FROM li";

TEST(MyLocalInfile, AllowedLoadsTheSameRowsAsDirect) {
  ProxyProcess proxy("my_local_infile_on", local_infile_on());
  Csv csv;
  std::string script = std::string(kTable) + "; " + csv.load() + "; " + kCount;
  auto direct = run_command(mariadb(servers().my_port, script));
  auto through = run_command(mariadb(proxy.my_port(), script));
  ASSERT_EQ(direct.exit_code, 0) << direct.output;
  EXPECT_EQ(through.exit_code, 0) << through.output << proxy.log();
  EXPECT_EQ(through.output, direct.output);
  EXPECT_EQ(through.output, "500\t125250\trow 99\n");
  // Two loads inside one multi-statement request (DELIMITER makes the CLI
  // send the text between delimiters as one COM_QUERY).
  std::string multi = std::string("DELIMITER //\n") + kTable + "//\n" + csv.load() + "; " +
                      csv.load() + "; SELECT count(*) FROM li//\n";
  direct = run_command(mariadb_script(servers().my_port, multi));
  through = run_command(mariadb_script(proxy.my_port(), multi));
  ASSERT_EQ(direct.exit_code, 0) << direct.output;
  EXPECT_EQ(through.exit_code, 0) << through.output << proxy.log();
  EXPECT_EQ(through.output, direct.output);
  EXPECT_EQ(through.output, "1000\n");
}

// The same over the compressed protocol (client and, opened for it, the
// server connection): the file request and the file travel inside
// compressed packets, whose inner sequence ids the proxy renumbers.
TEST(MyLocalInfile, AllowedOverCompressionAsDirect) {
  ProxyProcess proxy("my_local_infile_compressed", local_infile_on());
  Csv csv;
  std::string script = std::string(kTable) + "; " + csv.load() + "; " + kCount;
  auto compressed = [&](std::uint16_t port) {
    std::string cmd = mariadb(port, script);
    return run_command(cmd.replace(cmd.find("--no-defaults "), 14, "--no-defaults --compress "));
  };
  auto direct = compressed(servers().my_port);
  auto through = compressed(proxy.my_port());
  ASSERT_EQ(direct.exit_code, 0) << direct.output;
  EXPECT_EQ(through.exit_code, 0) << through.output << proxy.log();
  EXPECT_EQ(through.output, direct.output);
  EXPECT_EQ(through.output, "500\t125250\trow 99\n");
}

TEST(MyLocalInfile, RefusedWithTheServersErrors) {
  ProxyProcess proxy("my_local_infile_off");  // local_infile off: the default
  Csv csv;
  auto single = run_command(mariadb(proxy.my_port(), csv.load()));
  EXPECT_NE(single.exit_code, 0);
  EXPECT_NE(single.output.find("ERROR 1148 (42000)"), std::string::npos) << single.output;
  std::string multi_cmd = mariadb_script(
      proxy.my_port(), std::string("DELIMITER //\n") + kTable + "; " + csv.load() + "//\n");
  auto multi = run_command(multi_cmd);
  EXPECT_NE(multi.output.find("ERROR 4166 (HY000)"), std::string::npos) << multi.output;
  // read_only and exo_ai never load local files, whatever the config says.
  ProxyProcess on("my_local_infile_ro", local_infile_on());
  auto ro = run_command(fmt::format(
      "mariadb --no-defaults --connect-timeout=10 --local-infile=1 -h 127.0.0.1 -P {} -u reader "
      "-preader exo_cluster -e {} 2>&1",
      on.my_port(), shell_quote(csv.load())));
  EXPECT_NE(ro.exit_code, 0) << ro.output;
}

TEST(MyLocalInfile, HostileServerNeverGetsAnotherFile) {
  std::string dir = make_temp_dir("my_hostile");
  std::string secret = dir + "/client-secret.txt";
  std::ofstream(secret) << "top secret client data\n";
  auto started = run_command(fmt::format("python3 {} {} {} {} >/dev/null 2>&1 & echo $!",
                                         source_dir() + "/tests/fixture/hostile_mysql.py",
                                         dir + "/port", dir + "/log", secret));
  pid_t pid = static_cast<pid_t>(std::stol(started.output));
  struct Stop {
    pid_t pid;
    ~Stop() { ::kill(pid, SIGTERM); }
  } stop{pid};
  for (int i = 0; i < 200 && !std::filesystem::exists(dir + "/port"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  std::uint16_t port = 0;
  std::ifstream(dir + "/port") >> port;
  ASSERT_NE(port, 0) << "hostile server did not start";
  auto log = [&] {
    std::ifstream in(dir + "/log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  };

  // Direct, the client would hand the file over: that is the threat.
  Csv csv;
  auto direct = run_command(mariadb(port, csv.load()));
  std::printf("direct to the hostile server: %s", log().c_str());
  EXPECT_NE(log().find("received 23 bytes"), std::string::npos) << log() << direct.output;
  std::filesystem::remove(dir + "/log");

  ProxyOptions o = local_infile_on();
  o.my_backend_port = port;
  ProxyProcess proxy("my_local_infile_hostile", o);
  auto through = run_command(mariadb(proxy.my_port(), csv.load()));
  EXPECT_NE(through.exit_code, 0);
  EXPECT_NE(through.output.find("did not name"), std::string::npos)
      << through.output << proxy.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_NE(log().find("asked for"), std::string::npos) << log();
  // Not even one byte: a COM_QUIT sent mid-request would be read as file
  // content, so the proxy ends such a connection with a FIN.
  EXPECT_EQ(log().find("received"), std::string::npos) << log();
  EXPECT_NE(log().find("no file came"), std::string::npos) << log();
  std::printf("through sqlwarden: %s\n", through.output.c_str());
}

}  // namespace
}  // namespace sw::test
