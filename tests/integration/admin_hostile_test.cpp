// Issue 14, acceptance 4: hundreds of malformed and hostile admin requests
// (bad JSON, wrong types, unknown fields, missing/wrong tokens, wrong role,
// wrong tenant, oversize headers and bodies, garbage, slowloris trickling,
// 1,000 idle keep-alive connections) each get the right 4xx or a closed
// connection, while pgbench through the same proxy sees no error.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/admin_util.hpp"
#include "tests/support/command.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

struct Case {
  std::string name;
  std::string raw;
  int status;  // expected; 0 = the server closes without an answer
};

std::string req(const std::string& method, const std::string& path, const std::string& token,
                const std::string& body = "", const std::string& extra_headers = "") {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  r += extra_headers;
  if (!body.empty() || method == "POST")
    r +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

std::vector<Case> hostile_cases() {
  std::vector<Case> cases;
  auto add = [&](std::string name, std::string raw, int status) {
    cases.push_back({std::move(name), std::move(raw), status});
  };
  // Tokens: missing, wrong, truncated, extended, other schemes, empty, huge.
  for (const char* path :
       {"/metrics", "/api/v1/clients", "/api/v1/stats", "/health", "/version", "/api/v1/config",
        "/api/v1/pools", "/api/v1/servers", "/api/v1/profiles", "/api/v1/endpoints",
        "/api/v1/clients/1", "/api/v1/reload", "/api/v1/shutdown", "/nope"}) {
    add(fmt::format("no token {}", path), req("GET", path, ""), 401);
    add(fmt::format("wrong token {}", path), req("GET", path, "nope"), 401);
    add(fmt::format("prefix token {}", path), req("GET", path, "ops-secre"), 401);
    add(fmt::format("longer token {}", path), req("GET", path, "ops-secrett"), 401);
    add(fmt::format("basic auth {}", path),
        req("GET", path, "", "", "Authorization: Basic b3BzOnNlY3JldA==\r\n"), 401);
    add(fmt::format("empty bearer {}", path),
        req("GET", path, "", "", "Authorization: Bearer \r\n"), 401);
    add(fmt::format("huge token {}", path), req("GET", path, std::string(8000, 'a')), 401);
  }
  // Roles and tenant scope.
  for (const char* path : {"/api/v1/reload", "/api/v1/shutdown", "/api/v1/clients/1/kill",
                           "/api/v1/pools/default/pause"}) {
    add(fmt::format("read role POST {}", path), req("POST", path, "read-secret"), 403);
    add(fmt::format("tools role POST {}", path), req("POST", path, "tools-secret"), 403);
  }
  add("read role config", req("GET", "/api/v1/config", "read-secret"), 403);
  add("scoped shutdown", req("POST", "/api/v1/shutdown", "scoped-secret"), 403);
  add("scoped kill of another tenant's client",
      req("POST", "/api/v1/clients/1/kill", "scoped-secret"), 404);
  // Bad JSON, wrong types, unknown fields on every action.
  for (const char* path : {"/api/v1/reload", "/api/v1/shutdown", "/api/v1/clients/1/kill"}) {
    for (const char* body : {"{",
                             "[1,2]",
                             "\"str\"",
                             "42",
                             "null",
                             "{\"a\":",
                             "{\"x\":1}",
                             "{\"force\":true}",
                             "{\"grace\":\"soon\"}",
                             "\xff\xfe{}",
                             "{\"a\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}",
                             "{}{}",
                             "{\"\\u0000\":1}",
                             "{\"id\":1}",
                             "{\"hard\":true}",
                             "{\"\":null}",
                             "{\"a\":1e999}",
                             " { ",
                             "{\"a\":\"\\ud800\"}",
                             "tru"})
      add(fmt::format("bad body {} {}", path, body), req("POST", path, "ops-secret", body), 400);
  }
  // Paths and methods.
  for (const char* path :
       {"/nope", "/api", "/api/v1", "/api/v1/clients/1/2/3", "/metrics/x", "/%00",
        "/../../etc/passwd", "/api/v1/pools/x/explode", "/api/v1/clients/1/kill/now"})
    add(fmt::format("unknown path {}", path), req("GET", path, "ops-secret"), 404);
  for (const char* method : {"PUT", "DELETE", "PATCH", "OPTIONS"})
    for (const char* path : {"/metrics", "/api/v1/reload", "/api/v1/clients"})
      add(fmt::format("method {} {}", method, path), req(method, path, "ops-secret"), 405);
  add("GET on an action", req("GET", "/api/v1/reload", "ops-secret"), 405);
  // Oversize headers and bodies.
  add("huge header",
      req("GET", "/version", "ops-secret", "", "X-Big: " + std::string(20000, 'b') + "\r\n"), 431);
  add("many headers",
      req("GET", "/version", "ops-secret", "",
          [] {
            std::string h;
            for (int i = 0; i < 2000; ++i) h += fmt::format("X-H{}: v\r\n", i);
            return h;
          }()),
      431);
  add("huge request line", "GET /" + std::string(20000, 'p') + " HTTP/1.1\r\nHost: x\r\n\r\n", 431);
  add("declared huge body",
      "POST /api/v1/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ops-secret\r\n"
      "Content-Length: 999999999\r\n\r\n{}",
      413);
  add("sent huge body", req("POST", "/api/v1/reload", "ops-secret", std::string(70000, ' ')), 413);
  add(
      "huge chunked body",
      "POST /api/v1/reload HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ops-secret\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
          [] {
            std::string b;
            for (int i = 0; i < 40; ++i) b += "800\r\n" + std::string(0x800, 'x') + "\r\n";
            return b + "0\r\n\r\n";
          }(),
      413);
  // Malformed HTTP.
  using namespace std::string_literals;
  for (const std::string& raw :
       {"GARBAGE\r\n\r\n"s, "GET\r\n\r\n"s, "GET / HTTP/9.9\r\n\r\n"s,
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n"s,
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"s,
        "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"s,
        "POST /api/v1/reload HTTP/1.1\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer "
        "ops-secret\r\n\r\nZZZ\r\n"s,
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s, "GET / HTTP/1.1\r\nHo\0st: x\r\n\r\n"s,
        "G\x01T / HTTP/1.1\r\n\r\n"s})
    add(fmt::format("malformed {}", cases.size()), raw, 400);
  return cases;
}

TEST(AdminHostile, MalformedRequestsSlowlorisIdleConnectionsUnderPgbench) {
  ProxyOptions o = admin_test_options(R"(max_connections = 1200
max_body_bytes = 65536
read_timeout_ms = 1500
idle_timeout_seconds = 30)");
  ProxyProcess proxy("admin-hostile", o);
  auto port = proxy.admin_port();

  std::string script = proxy.dir() + "/bench.sql";
  std::ofstream(script) << "select count(*) from ai_models;\n";
  CommandResult bench;
  std::thread bench_thread([&] {
    bench =
        run_command(fmt::format("PGPASSWORD=app pgbench -n -h 127.0.0.1 -p {} -U app -c 4 -j 2 -T "
                                "12 -f {} exo_cluster 2>&1",
                                proxy.pg_port(), script));
  });
  struct JoinOnExit {
    std::thread& t;
    ~JoinOnExit() {
      if (t.joinable()) t.join();
    }
  } join_bench{bench_thread};

  // 1,000 idle keep-alive connections, each after one good request.
  std::vector<int> idle;
  for (int i = 0; i < 1000; ++i) {
    int fd = raw_connect(port);
    ASSERT_GE(fd, 0) << i;
    std::string r = "GET /version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer read-secret\r\n\r\n";
    ::send(fd, r.data(), r.size(), MSG_NOSIGNAL);
    idle.push_back(fd);
  }
  int kept_alive = 0;
  for (int fd : idle) kept_alive += read_http_response(fd).status == 200;
  EXPECT_EQ(kept_alive, 1000);

  // Slowloris: headers trickled a byte at a time never finish within read_timeout.
  std::vector<std::thread> lorises;
  std::vector<int> loris_status(5, -1);
  for (int i = 0; i < 5; ++i)
    lorises.emplace_back([&, i] {
      int fd = raw_connect(port);
      std::string r = "GET /version HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 's');
      auto start = std::chrono::steady_clock::now();
      for (char c : r) {
        if (::send(fd, &c, 1, MSG_NOSIGNAL) != 1) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        if (std::chrono::steady_clock::now() - start > std::chrono::seconds(4)) break;
      }
      loris_status[i] = read_http_response(fd).status;
      ::close(fd);
    });

  auto cases = hostile_cases();
  EXPECT_GE(cases.size(), 200u);
  int right = 0;
  for (const auto& c : cases) {
    auto r = http_raw(port, c.raw);
    bool ok = r.status == c.status;
    if (c.status == 400 && r.status == 0)
      ok = true;  // closed without an answer is fine for garbage
    if (r.status >= 400) {
      auto j = nlohmann::json::parse(r.body, nullptr, false);
      ok = ok && j.is_object() && j["error"]["code"].is_string() &&
           j["error"]["message"].is_string();
    }
    EXPECT_TRUE(ok) << c.name << ": expected " << c.status << ", got " << r.status << "\n"
                    << r.raw.substr(0, 300);
    right += ok;
  }
  for (auto& t : lorises) t.join();
  for (int s : loris_status) EXPECT_TRUE(s == 408 || s == 0) << s;

  // The idle connections are still usable, and the server still answers.
  int still = 0;
  for (int i = 0; i < 1000; i += 100) {
    std::string r = "GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer read-secret\r\n\r\n";
    ::send(idle[i], r.data(), r.size(), MSG_NOSIGNAL);
    still += read_http_response(idle[i]).status == 200;
  }
  EXPECT_EQ(still, 10);
  for (int fd : idle) ::close(fd);
  EXPECT_EQ(http_request(port, "GET", "/version", "read-secret").status, 200);

  bench_thread.join();
  EXPECT_EQ(bench.exit_code, 0) << bench.output;
  EXPECT_NE(bench.output.find("number of failed transactions: 0 "), std::string::npos)
      << bench.output;
  std::printf(
      "admin hostile: %d/%zu requests answered as expected, 1000 idle keep-alive, "
      "5 slowloris, pgbench 0 failed\n",
      right, cases.size());
  EXPECT_TRUE(proxy.running());
}

TEST(AdminHostile, ConnectionCapAnswers503) {
  ProxyOptions o;
  o.admin_toml = "max_connections = 5\nallow_loopback_without_token = true";
  ProxyProcess proxy("admin-cap", o);
  std::vector<int> held;
  for (int i = 0; i < 5; ++i) held.push_back(raw_connect(proxy.admin_port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto r = http_request(proxy.admin_port(), "GET", "/version");
  EXPECT_EQ(r.status, 503) << r.raw;
  for (int fd : held) ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(http_request(proxy.admin_port(), "GET", "/version").status, 200);
}

}  // namespace
}  // namespace sw::test
