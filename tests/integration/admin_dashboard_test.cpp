// Issue 14, acceptance 5: the dashboard page in headless Chromium against a
// running proxy with real clients: no console output or page errors, the
// charts and tables show the live data, and a screenshot is not blank.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/integration/pg_util.hpp"
#include "tests/support/command.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

std::string chromium(const std::string& dir, const std::string& args, const std::string& url) {
  return fmt::format(
      "timeout 90 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
      "--no-first-run --user-data-dir={0}/chromium --enable-logging=stderr --v=0 "
      "--virtual-time-budget=8000 --window-size=1280,1000 {1} {2} 2>{0}/chromium.err",
      dir, args, shell_quote(url));
}

TEST(AdminDashboard, LoadsInHeadlessChromiumWithLiveData) {
  ProxyOptions o;
  o.admin_toml = "allow_loopback_without_token = true";
  ProxyProcess proxy("admin-dashboard", o);
  auto page = http_request(proxy.admin_port(), "GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  // Self-contained: no external scripts, styles or fonts.
  EXPECT_EQ(page.body.find("src=\"http"), std::string::npos);
  EXPECT_EQ(page.body.find("href=\"http"), std::string::npos);

  // Live traffic while the page loads: two clients, statements, one denial.
  auto a = pg_connect(proxy.pg_port(), "app", "exo_cluster");
  auto b = pg_connect(proxy.pg_port(), "exo_ai", "exo_cluster");
  ASSERT_EQ(PQstatus(a.get()), CONNECTION_OK);
  ASSERT_EQ(PQstatus(b.get()), CONNECTION_OK);
  EXPECT_EQ(sqlstate(pg_exec(b.get(), "drop table ai_models").get()), "42501");
  std::atomic<bool> stop{false};
  std::thread traffic([&] {
    while (!stop) pg_exec(a.get(), "select count(*) from ai_models");
  });

  std::string url = fmt::format("http://127.0.0.1:{}/", proxy.admin_port());
  auto dom = run_command(chromium(proxy.dir(), "--dump-dom", url));
  std::string err = run_command("cat " + proxy.dir() + "/chromium.err").output;
  std::string shot = proxy.dir() + "/dashboard.png";
  auto s = run_command(chromium(proxy.dir(), "--screenshot=" + shot, url));
  stop = true;
  traffic.join();

  ASSERT_EQ(dom.exit_code, 0) << dom.output << err;
  const std::string& html = dom.output;
  // No console messages at all, no page errors, every fetch answered.
  EXPECT_EQ(err.find("CONSOLE"), std::string::npos) << err;
  EXPECT_NE(html.find("data-errors=\"0\""), std::string::npos) << html;
  EXPECT_NE(html.find("id=\"status\" class=\"ok\""), std::string::npos) << html;
  EXPECT_NE(html.find("id=\"kpi-clients\">2<"), std::string::npos) << html;
  EXPECT_NE(html.find("default/postgres"), std::string::npos) << html;
  EXPECT_NE(html.find(">exo_ai<"), std::string::npos) << html;          // the clients table
  EXPECT_NE(html.find("<polyline"), std::string::npos) << html;         // the throughput chart
  EXPECT_NE(html.find("kind_not_allowed"), std::string::npos) << html;  // the denials chart
  EXPECT_EQ(html.find("id=\"kpi-qps\">–<"), std::string::npos) << html;

  ASSERT_EQ(s.exit_code, 0) << s.output;
  auto stats = run_command(source_dir() + "/tests/scripts/png_stats.py " + shell_quote(shot));
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  int w = 0, h = 0, colours = 0;
  double nonbg = 0;
  ASSERT_EQ(std::sscanf(stats.output.c_str(), "%d %d %d %lf", &w, &h, &colours, &nonbg), 4)
      << stats.output;
  std::printf("dashboard screenshot %dx%d: %d colours, %.1f%% non-background\n", w, h, colours,
              nonbg * 100);
  EXPECT_GE(colours, 20) << stats.output;
  EXPECT_GT(nonbg, 0.02) << stats.output;
}

}  // namespace
}  // namespace sw::test
