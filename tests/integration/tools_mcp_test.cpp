// MCP (acceptance 3, own tests): the handshake, version negotiation,
// sessions, Origin validation and errors of the /mcp server logic, and
// tools/call against a real sqlwarden (the executor logs in as exo_ai).
#include <future>

#include <gtest/gtest.h>

#include "proxy/admin/tools/mcp_server.hpp"
#include "proxy/admin/tools/tool_executor.hpp"
#include "proxy/core/config_loader.hpp"
#include "tests/support/proxy_process.hpp"

namespace sw::test {
namespace {

struct Reply {
  unsigned status = 0;
  nlohmann::json body;
  std::string session;
  std::string allow;
};

class Mcp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    proxy_ = new ProxyProcess("tools_mcp");
    auto load = load_toml_config_file(proxy_->dir() + "/sqlwarden.toml");
    ASSERT_TRUE(load.issues.empty());
    tools::ToolsConfig tc;
    tc.database = "exo_cluster";
    executor_ = new tools::ToolExecutor(std::make_shared<Config>(load.config), tc);
    server_ = new tools::McpServer(*executor_, "test");
  }
  static void TearDownTestSuite() {
    delete server_;
    delete executor_;
    delete proxy_;
  }

  static Reply send(const std::string& method, const std::string& body, const std::string& session,
                    const std::string& version = "", const std::string& origin = "",
                    const std::string& caller = "agent") {
    tools::McpHttpRequest req;
    req.method = method;
    req.body = body;
    req.session_id = session;
    req.protocol_version = version;
    req.origin = origin;
    req.host = "127.0.0.1:8000";
    std::promise<tools::McpHttpReply> p;
    server_->handle(req, {"", "", caller},
                    [&p](tools::McpHttpReply r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    Reply out;
    out.status = r.status;
    if (!r.body.empty()) out.body = nlohmann::json::parse(r.body);
    for (auto& [k, v] : r.headers) {
      if (k == "Mcp-Session-Id") out.session = v;
      if (k == "Allow") out.allow = v;
    }
    return out;
  }
  static Reply rpc(const nlohmann::json& msg, const std::string& session,
                   const std::string& version = "2025-11-25") {
    return send("POST", msg.dump(), session, version);
  }
  static std::string initialize(const std::string& version) {
    Reply r = rpc({{"jsonrpc", "2.0"},
                   {"id", 1},
                   {"method", "initialize"},
                   {"params",
                    {{"protocolVersion", version},
                     {"capabilities", nlohmann::json::object()},
                     {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}},
                  "", "");
    EXPECT_EQ(r.status, 200u);
    EXPECT_FALSE(r.session.empty());
    EXPECT_EQ(rpc({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, r.session).status,
              202u);
    return r.session;
  }

  static ProxyProcess* proxy_;
  static tools::ToolExecutor* executor_;
  static tools::McpServer* server_;
};
ProxyProcess* Mcp::proxy_ = nullptr;
tools::ToolExecutor* Mcp::executor_ = nullptr;
tools::McpServer* Mcp::server_ = nullptr;

TEST_F(Mcp, VersionNegotiation) {
  for (const char* v : {"2025-06-18", "2025-11-25"}) {
    Reply r =
        rpc({{"jsonrpc", "2.0"},
             {"id", "a"},
             {"method", "initialize"},
             {"params", {{"protocolVersion", v}, {"capabilities", nlohmann::json::object()}}}},
            "", "");
    EXPECT_EQ(r.body["result"]["protocolVersion"], v);
    EXPECT_EQ(r.body["id"], "a");
    EXPECT_TRUE(r.body["result"]["capabilities"].contains("tools"));
    EXPECT_EQ(r.body["result"]["serverInfo"]["name"], "sqlwarden");
  }
  // An unknown version is answered with the latest we speak.
  Reply old = rpc({{"jsonrpc", "2.0"},
                   {"id", 2},
                   {"method", "initialize"},
                   {"params", {{"protocolVersion", "2024-11-05"}}}},
                  "", "");
  EXPECT_EQ(old.body["result"]["protocolVersion"], "2025-11-25");
}

TEST_F(Mcp, ListAndCallTools) {
  std::string s = initialize("2025-06-18");
  EXPECT_EQ(
      rpc({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "ping"}}, s, "2025-06-18").body["result"],
      nlohmann::json::object());
  Reply list = rpc({{"jsonrpc", "2.0"}, {"id", 4}, {"method", "tools/list"}}, s, "2025-06-18");
  ASSERT_EQ(list.body["result"]["tools"].size(), 3u);
  for (const auto& t : list.body["result"]["tools"]) {
    EXPECT_EQ(t["inputSchema"]["type"], "object");
    EXPECT_EQ(t["outputSchema"]["type"], "object");
  }
  Reply ok = rpc({{"jsonrpc", "2.0"},
                  {"id", 5},
                  {"method", "tools/call"},
                  {"params",
                   {{"name", "query_database"},
                    {"arguments", {{"query", "SELECT name FROM ai_models ORDER BY id LIMIT 2"}}}}}},
                 s, "2025-06-18");
  const auto& res = ok.body["result"];
  EXPECT_EQ(res["isError"], false);
  EXPECT_EQ(res["structuredContent"]["row_count"], 2);
  EXPECT_EQ(res["content"][0]["type"], "text");
  EXPECT_EQ(nlohmann::json::parse(res["content"][0]["text"].get<std::string>()),
            res["structuredContent"]);

  Reply denied =
      rpc({{"jsonrpc", "2.0"},
           {"id", 6},
           {"method", "tools/call"},
           {"params",
            {{"name", "query_database"}, {"arguments", {{"query", "DROP TABLE ai_models"}}}}}},
          s);
  EXPECT_EQ(denied.body["result"]["isError"], true);
  EXPECT_EQ(denied.body["result"]["structuredContent"]["error"]["rule"], "kind_not_allowed");

  Reply schema = rpc(
      {{"jsonrpc", "2.0"},
       {"id", 7},
       {"method", "tools/call"},
       {"params", {{"name", "get_database_schema"}, {"arguments", {{"table", "cluster_nodes"}}}}}},
      s);
  EXPECT_EQ(schema.body["result"]["structuredContent"]["table_count"], 1);
  Reply test = rpc({{"jsonrpc", "2.0"},
                    {"id", 8},
                    {"method", "tools/call"},
                    {"params", {{"name", "test_database_connection"}}}},
                   s);
  EXPECT_EQ(test.body["result"]["structuredContent"]["connected"], true);
}

TEST_F(Mcp, Errors) {
  std::string s = initialize("2025-11-25");
  EXPECT_EQ(send("POST", "{not json", s).body["error"]["code"], -32700);
  EXPECT_EQ(send("POST", "[]", s).status, 400u);
  EXPECT_EQ(
      rpc({{"jsonrpc", "2.0"}, {"id", 9}, {"method", "resources/list"}}, s).body["error"]["code"],
      -32601);
  EXPECT_EQ(rpc({{"jsonrpc", "2.0"},
                 {"id", 10},
                 {"method", "tools/call"},
                 {"params", {{"name", "rm_rf"}}}},
                s)
                .body["error"]["code"],
            -32602);
  // Bad arguments are a tool result with isError, not a protocol error.
  Reply bad = rpc({{"jsonrpc", "2.0"},
                   {"id", 11},
                   {"method", "tools/call"},
                   {"params", {{"name", "query_database"}, {"arguments", {{"query", 5}}}}}},
                  s);
  EXPECT_EQ(bad.body["result"]["isError"], true);
  // Sessions: required, must exist, belong to the caller.
  EXPECT_EQ(rpc({{"jsonrpc", "2.0"}, {"id", 12}, {"method", "ping"}}, "").status, 400u);
  EXPECT_EQ(rpc({{"jsonrpc", "2.0"}, {"id", 13}, {"method", "ping"}}, "nope").status, 404u);
  EXPECT_EQ(
      send("POST", R"({"jsonrpc":"2.0","id":14,"method":"ping"})", s, "2025-11-25", "", "other")
          .status,
      404u);
  // Protocol version header.
  EXPECT_EQ(rpc({{"jsonrpc", "2.0"}, {"id", 15}, {"method", "ping"}}, s, "1999-01-01").status,
            400u);
  EXPECT_EQ(rpc({{"jsonrpc", "2.0"}, {"id", 16}, {"method", "ping"}}, s, "").status, 200u);
  // The transport's first revision, sent by clients on every request.
  EXPECT_EQ(rpc({{"jsonrpc", "2.0"}, {"id", 16}, {"method", "ping"}}, s, "2025-03-26").status,
            200u);
  // Origin validation (DNS rebinding).
  EXPECT_EQ(
      send("POST", R"({"jsonrpc":"2.0","id":17,"method":"ping"})", s, "", "http://evil.example")
          .status,
      403u);
  EXPECT_EQ(
      send("POST", R"({"jsonrpc":"2.0","id":18,"method":"ping"})", s, "", "http://localhost:3000")
          .status,
      200u);
  // No SSE stream: GET is 405 with Allow.
  Reply get = send("GET", "", s);
  EXPECT_EQ(get.status, 405u);
  EXPECT_NE(get.allow.find("POST"), std::string::npos);
  // DELETE ends the session.
  EXPECT_EQ(send("DELETE", "", s).status, 204u);
  EXPECT_EQ(rpc({{"jsonrpc", "2.0"}, {"id", 19}, {"method", "ping"}}, s).status, 404u);
}

}  // namespace
}  // namespace sw::test
