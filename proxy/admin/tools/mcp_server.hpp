#pragma once
// The Model Context Protocol server behind `/mcp` (Streamable HTTP,
// protocol versions 2025-06-18 and 2025-11-25), independent of HTTP
// plumbing: the admin route passes the method, headers and body in and
// sends the reply out. JSON responses only (no SSE stream: GET is 405).
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "proxy/admin/tools/tool_executor.hpp"

namespace sw::tools {

inline constexpr const char* kMcpLatestVersion = "2025-11-25";
bool mcp_version_supported(std::string_view version);

struct McpHttpRequest {
  std::string method;  // POST | GET | DELETE | ...
  std::string body;
  std::string origin;            // Origin header, empty when absent
  std::string protocol_version;  // MCP-Protocol-Version header
  std::string session_id;        // Mcp-Session-Id header
  std::string host;              // Host header
  bool from_loopback = false;    // the client runs on this machine
};

struct McpHttpReply {
  unsigned status = 200;
  std::string body;  // empty for 202
  std::vector<std::pair<std::string, std::string>> headers;
};

class McpServer {
 public:
  explicit McpServer(ToolExecutor& executor, std::string server_version);

  // `done` runs exactly once (on this thread, or on an executor thread
  // after a tools/call).
  void handle(const McpHttpRequest& req, const ToolScope& scope,
              std::function<void(McpHttpReply)> done);

  std::size_t session_count() const;

 private:
  struct Session {
    std::string version;
    std::string owner;  // token name: a session is only usable by whoever opened it
    std::uint64_t last_used = 0;
  };
  std::string new_session(std::string version, std::string owner);
  bool origin_allowed(const McpHttpRequest& req) const;

  ToolExecutor& executor_;
  std::string server_version_;
  mutable std::mutex mu_;
  std::map<std::string, Session> sessions_;
  std::uint64_t clock_ = 0;
};

}  // namespace sw::tools
