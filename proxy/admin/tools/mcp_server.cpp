#include "proxy/admin/tools/mcp_server.hpp"

#include <random>

#include <fmt/format.h>

#include "proxy/admin/tools/exo_api.hpp"
#include "proxy/admin/tools/tool_catalog.hpp"

namespace sw::tools {
namespace {

constexpr std::size_t kMaxSessions = 10000;

McpHttpReply json_reply(unsigned status, const nlohmann::json& body) {
  return {status, dump_json(body), {{"Content-Type", "application/json"}}};
}

nlohmann::json rpc_error(const nlohmann::json& id, int code, std::string_view message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

nlohmann::json rpc_result(const nlohmann::json& id, nlohmann::json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

// Origin "scheme://host[:port]" → host, lower-case, without brackets.
std::string origin_host(std::string_view origin) {
  auto scheme = origin.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = origin.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    return std::string(rest.substr(1, close == std::string_view::npos ? 0 : close - 1));
  }
  std::string host(rest.substr(0, rest.find(':')));
  for (auto& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return host;
}

bool loopback_name(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

std::string host_only(std::string_view host) {
  if (!host.empty() && host.front() == '[') return std::string(host.substr(1, host.find(']') - 1));
  std::string h(host.substr(0, host.find(':')));
  for (auto& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return h;
}

}  // namespace

bool mcp_version_supported(std::string_view v) {
  return v == "2025-11-25" || v == "2025-06-18";
}

McpServer::McpServer(ToolExecutor& executor, std::string server_version)
    : executor_(executor), server_version_(std::move(server_version)) {}

std::size_t McpServer::session_count() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

// DNS-rebinding guard (MCP transport security): a page served from a
// domain its attacker re-points at 127.0.0.1 reaches a loopback server with
// that domain in both Host and Origin, so a request from this machine must
// address the server by a loopback name; and a browser page may only come
// from a loopback origin or from the very host it addressed.
bool McpServer::origin_allowed(const McpHttpRequest& req) const {
  if (req.from_loopback && !req.host.empty() && !loopback_name(host_only(req.host))) return false;
  if (req.origin.empty()) return true;  // not a browser
  std::string host = origin_host(req.origin);
  if (loopback_name(host)) return true;
  return !host.empty() && host == host_only(req.host);
}

std::string McpServer::new_session(std::string version, std::string owner) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id = fmt::format("{:016x}{:016x}", rng(), rng());
  std::lock_guard lock(mu_);
  if (sessions_.size() >= kMaxSessions) {  // forget the least recently used
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it)
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    sessions_.erase(oldest);
  }
  sessions_[id] = {std::move(version), std::move(owner), ++clock_};
  return id;
}

void McpServer::handle(const McpHttpRequest& req, const ToolScope& scope,
                       std::function<void(McpHttpReply)> done) {
  if (!origin_allowed(req))
    return done(json_reply(403, rpc_error(nullptr, -32600, "Origin not allowed")));
  if (req.method == "GET" || (req.method != "POST" && req.method != "DELETE")) {
    McpHttpReply r = json_reply(405, rpc_error(nullptr, -32600, "no SSE stream: POST JSON-RPC"));
    r.headers.emplace_back("Allow", "POST, DELETE");
    return done(r);
  }
  if (req.method == "DELETE") {
    std::lock_guard lock(mu_);
    auto it = sessions_.find(req.session_id);
    if (it == sessions_.end() || it->second.owner != scope.caller)
      return done(json_reply(404, rpc_error(nullptr, -32600, "unknown session")));
    sessions_.erase(it);
    return done({204, "", {}});
  }

  auto msg = nlohmann::json::parse(req.body, nullptr, false);
  if (msg.is_discarded()) return done(json_reply(400, rpc_error(nullptr, -32700, "Parse error")));
  if (!msg.is_object() || msg.value("jsonrpc", "") != "2.0")
    return done(
        json_reply(400, rpc_error(nullptr, -32600, "Invalid Request: one JSON-RPC 2.0 object")));
  bool has_id = msg.contains("id") && !msg["id"].is_null();
  nlohmann::json id = has_id ? msg["id"] : nlohmann::json(nullptr);
  if (has_id && !msg["id"].is_string() && !msg["id"].is_number_integer())
    return done(json_reply(400, rpc_error(nullptr, -32600, "Invalid Request: bad id")));
  if (!msg.contains("method")) {
    // A response or error from the client (to a request we never send).
    return done({202, "", {}});
  }
  if (!msg["method"].is_string())
    return done(json_reply(400, rpc_error(id, -32600, "Invalid Request: method")));
  const std::string method = msg["method"].get<std::string>();
  nlohmann::json params = msg.contains("params") ? msg["params"] : nlohmann::json::object();

  if (method == "initialize") {
    if (!has_id) return done(json_reply(400, rpc_error(nullptr, -32600, "initialize needs an id")));
    if (!params.is_object()) return done(json_reply(200, rpc_error(id, -32602, "Invalid params")));
    std::string asked = params.value("protocolVersion", "");
    std::string version = mcp_version_supported(asked) ? asked : kMcpLatestVersion;
    std::string session = new_session(version, scope.caller);
    nlohmann::json result = {
        {"protocolVersion", version},
        {"capabilities", {{"tools", {{"listChanged", false}}}}},
        {"serverInfo",
         {{"name", "sqlwarden"},
          {"title", "sqlwarden database tools"},
          {"version", server_version_}}},
        {"instructions",
         "Database tools behind sqlwarden's policy gate: query_database runs one statement "
         "with bound params, get_database_schema describes tables, test_database_connection "
         "checks reachability."}};
    McpHttpReply r = json_reply(200, rpc_result(id, result));
    r.headers.emplace_back("Mcp-Session-Id", session);
    return done(r);
  }

  // Every other message belongs to a session opened by initialize.
  std::string version;
  {
    std::lock_guard lock(mu_);
    if (req.session_id.empty())
      return done(json_reply(400, rpc_error(id, -32600, "missing Mcp-Session-Id header")));
    auto it = sessions_.find(req.session_id);
    if (it == sessions_.end() || it->second.owner != scope.caller)
      return done(json_reply(404, rpc_error(id, -32600, "unknown or expired session")));
    it->second.last_used = ++clock_;
    version = it->second.version;
  }
  // The header names the transport revision the client speaks; 2025-03-26
  // introduced this Streamable HTTP transport unchanged since, so clients
  // (the reference SDKs among them) that send it on every request are served.
  if (!req.protocol_version.empty() && req.protocol_version != version &&
      !mcp_version_supported(req.protocol_version) && req.protocol_version != "2025-03-26")
    return done(
        json_reply(400, rpc_error(id, -32600,
                                  "unsupported MCP-Protocol-Version " + req.protocol_version +
                                      " (supported: 2025-11-25, 2025-06-18, 2025-03-26)")));

  if (!has_id) return done({202, "", {}});  // notifications: initialized, cancelled, ...

  if (method == "ping") return done(json_reply(200, rpc_result(id, nlohmann::json::object())));
  if (method == "tools/list")
    return done(json_reply(200, rpc_result(id, {{"tools", mcp_tool_definitions()}})));
  if (method != "tools/call")
    return done(json_reply(200, rpc_error(id, -32601, "Method not found: " + method)));

  if (!params.is_object() || !params.contains("name") || !params["name"].is_string())
    return done(json_reply(200, rpc_error(id, -32602, "Invalid params: tools/call needs name")));
  std::string name = params["name"].get<std::string>();
  if (!is_known_tool(name))
    return done(json_reply(200, rpc_error(id, -32602, "Unknown tool: " + name)));
  auto args =
      parse_arguments(params.contains("arguments") ? params["arguments"] : nlohmann::json());
  auto answer = [id, done](nlohmann::json result) {
    bool failed = !result.value("success", false);
    nlohmann::json content =
        nlohmann::json::array({{{"type", "text"}, {"text", dump_json(result)}}});
    done(json_reply(200, rpc_result(id, {{"content", std::move(content)},
                                         {"structuredContent", std::move(result)},
                                         {"isError", failed}})));
  };
  if (args.index() == 1) return answer(std::get<1>(std::move(args)));
  executor_.submit(scope, {name, std::get<0>(std::move(args))}, answer);
}

}  // namespace sw::tools
