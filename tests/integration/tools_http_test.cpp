// Issue 15 on the admin server itself: POST /database and /mcp through HTTP
// with real tokens — roles, tenant scope, headers MCP depends on
// (Mcp-Session-Id, MCP-Protocol-Version, Origin) — against a running proxy.
// The executor's behaviour per call is covered by tools_conversation_test
// and tools_mcp_test; seed 000's curl lines run verbatim against scripts/up
// in docs_examples_test (docs/tools.md).
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/admin_util.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"

namespace sw::test {
namespace {

ProxyOptions tools_options() {
  ProxyOptions o = admin_test_options();
  o.extra_toml += "\n[tools]\ndatabase = \"exo_cluster\"\n";
  return o;
}

std::string request(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body, const std::string& extra_headers = "") {
  return fmt::format(
      "{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {}\r\n"
      "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n{}"
      "Content-Length: {}\r\n\r\n{}",
      method, path, token, extra_headers, body.size(), body);
}

class ToolsHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { proxy_ = new ProxyProcess("tools_http", tools_options()); }
  static void TearDownTestSuite() {
    delete proxy_;
    proxy_ = nullptr;
  }
  static HttpResult database(const nlohmann::json& body,
                             const std::string& token = "tools-secret") {
    return http_request(proxy_->admin_port(), "POST", "/database", token, body.dump());
  }
  static HttpResult mcp(const std::string& method, const std::string& body,
                        const std::string& headers = "",
                        const std::string& token = "tools-secret") {
    return http_raw(proxy_->admin_port(), request(method, "/mcp", token, body, headers));
  }
  static ProxyProcess* proxy_;
};
ProxyProcess* ToolsHttp::proxy_ = nullptr;

TEST_F(ToolsHttp, DatabaseActionsOverHttp) {
  auto tools = database({{"action", "tools"}});
  ASSERT_EQ(tools.status, 200) << tools.raw;
  auto j = body_json(tools);
  ASSERT_EQ(j["tools"].size(), 3u) << tools.body;
  EXPECT_EQ(j["tools"][0]["type"], "function");

  // Arguments as a JSON string, as OpenAI sends them; the id is echoed.
  auto exec = database(
      {{"action", "execute"},
       {"tool_call",
        {{"id", "call_1"},
         {"function",
          {{"name", "query_database"},
           {"arguments", R"({"query": "SELECT name FROM ai_models ORDER BY id LIMIT 3"})"}}}}}});
  ASSERT_EQ(exec.status, 200) << exec.raw;
  j = body_json(exec);
  EXPECT_EQ(j["tool_call_id"], "call_1") << exec.body;
  EXPECT_EQ(j["result"]["success"], true) << exec.body;
  EXPECT_EQ(j["result"]["row_count"], 3) << exec.body;

  // A denial is a 200 answer whose result says so, never a 500.
  auto denied = database(
      {{"action", "execute"},
       {"tool_call",
        {{"function",
          {{"name", "query_database"}, {"arguments", {{"query", "DROP TABLE ai_models"}}}}}}}});
  ASSERT_EQ(denied.status, 200) << denied.raw;
  EXPECT_EQ(body_json(denied)["result"]["success"], false) << denied.body;
  EXPECT_EQ(body_json(denied)["result"]["error"]["rule"], "kind_not_allowed") << denied.body;

  auto test = database({{"action", "test"}});
  ASSERT_EQ(test.status, 200) << test.raw;
  EXPECT_EQ(body_json(test)["connected"], true) << test.body;

  expect_error(database({{"action", "tools"}}, "read-secret"), 403, "forbidden");
  auto bad = http_request(proxy_->admin_port(), "POST", "/database", "tools-secret", "{nope");
  EXPECT_EQ(bad.status, 400) << bad.raw;
  EXPECT_EQ(body_json(database({{"action", "fly"}})).contains("error"), true);
}

TEST_F(ToolsHttp, TenantScopeFollowsTheToken) {
  // scoped-secret may reach only tenant "other" (its backend is a closed port).
  auto other = database({{"action", "test"}}, "scoped-secret");
  ASSERT_EQ(other.status, 200) << other.raw;
  EXPECT_EQ(body_json(other)["connected"], false) << other.body;
  auto escape = database({{"action", "test"}, {"tenant", "default"}}, "scoped-secret");
  EXPECT_EQ(escape.status, 403) << escape.raw;
}

TEST_F(ToolsHttp, McpOverHttp) {
  auto init = mcp("POST", R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":)"
                          R"({"protocolVersion":"2025-06-18","capabilities":{},)"
                          R"("clientInfo":{"name":"t","version":"1"}}})");
  ASSERT_EQ(init.status, 200) << init.raw;
  EXPECT_EQ(init.headers["content-type"], "application/json") << init.raw;
  std::string session = init.headers["mcp-session-id"];
  ASSERT_FALSE(session.empty()) << init.raw;
  EXPECT_EQ(body_json(init)["result"]["protocolVersion"], "2025-06-18") << init.body;

  std::string h =
      fmt::format("Mcp-Session-Id: {}\r\nMCP-Protocol-Version: 2025-06-18\r\n", session);
  auto note = mcp("POST", R"({"jsonrpc":"2.0","method":"notifications/initialized"})", h);
  EXPECT_EQ(note.status, 202) << note.raw;
  auto list = mcp("POST", R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", h);
  ASSERT_EQ(list.status, 200) << list.raw;
  EXPECT_EQ(body_json(list)["result"]["tools"].size(), 3u) << list.body;
  auto call = mcp("POST",
                  R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":)"
                  R"("query_database","arguments":{"query":"SELECT 6 * 7 AS answer"}}})",
                  h);
  ASSERT_EQ(call.status, 200) << call.raw;
  auto res = body_json(call)["result"];
  EXPECT_EQ(res["isError"], false) << call.body;
  EXPECT_EQ(res["structuredContent"]["rows"][0]["answer"], 42) << call.body;

  // A version the session did not negotiate, an unknown session, a foreign
  // browser origin, and GET without an SSE stream.
  auto wrong =
      mcp("POST", R"({"jsonrpc":"2.0","id":4,"method":"ping"})",
          fmt::format("Mcp-Session-Id: {}\r\nMCP-Protocol-Version: 1999-01-01\r\n", session));
  EXPECT_EQ(wrong.status, 400) << wrong.raw;
  auto lost = mcp("POST", R"({"jsonrpc":"2.0","id":5,"method":"ping"})",
                  "Mcp-Session-Id: 0123456789abcdef0123456789abcdef\r\n");
  EXPECT_EQ(lost.status, 404) << lost.raw;
  auto evil = mcp("POST", R"({"jsonrpc":"2.0","id":6,"method":"ping"})",
                  h + "Origin: http://evil.example\r\n");
  EXPECT_EQ(evil.status, 403) << evil.raw;
  EXPECT_EQ(mcp("GET", "", h).status, 405);
  expect_error(mcp("POST", R"({"jsonrpc":"2.0","id":7,"method":"ping"})", h, "read-secret"), 403,
               "forbidden");
  // DELETE ends the session; it is gone afterwards.
  EXPECT_EQ(mcp("DELETE", "", h).status, 204);
  EXPECT_EQ(mcp("POST", R"({"jsonrpc":"2.0","id":8,"method":"ping"})", h).status, 404);
}

// DNS rebinding: a page on a domain re-pointed at 127.0.0.1 sends that
// domain as Host and as Origin, which agree with each other; from this
// machine only a loopback Host is accepted (the MCP conformance suite's
// dns-rebinding-protection scenario).
TEST_F(ToolsHttp, McpRefusesARebindingHost) {
  const std::string init =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
      R"("capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  auto with_host = [&](const std::string& host, const std::string& origin) {
    std::string raw = request("POST", "/mcp", "tools-secret", init);
    raw.replace(raw.find("Host: 127.0.0.1"), 15, "Host: " + host);
    if (!origin.empty()) raw.insert(raw.find("\r\n") + 2, "Origin: " + origin + "\r\n");
    return http_raw(proxy_->admin_port(), raw);
  };
  auto port = std::to_string(proxy_->admin_port());
  EXPECT_EQ(with_host("evil.example.com", "http://evil.example.com").status, 403);
  EXPECT_EQ(with_host("evil.example.com:" + port, "").status, 403);
  EXPECT_EQ(with_host("localhost:" + port, "http://localhost:" + port).status, 200);
  EXPECT_EQ(with_host("127.0.0.1:" + port, "http://127.0.0.1:" + port).status, 200);
  EXPECT_EQ(with_host("[::1]:" + port, "").status, 200);
}

}  // namespace
}  // namespace sw::test
