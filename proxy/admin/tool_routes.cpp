#include "proxy/admin/tool_routes.hpp"

#include "proxy/admin/tools/exo_api.hpp"

namespace sw::admin {
namespace {

tools::ToolScope scope_of(const Request& req) {
  tools::ToolScope scope;
  scope.tenant = req.principal.tenant;
  scope.caller = req.principal.name;
  return scope;
}

}  // namespace

void add_tool_routes(Router& router, tools::ToolExecutor& executor, tools::McpServer& mcp) {
  router.add_callback("POST", "/database", AdminRole::tools, [&executor](Request& req, Done done) {
    auto body = req.json_body();
    if (!body) return done(bad_request(body.error()));
    tools::handle_database_request(
        executor, scope_of(req), *body, [done = std::move(done)](tools::ApiReply reply) {
          done(text_response(tools::dump_json(reply.body), "application/json", reply.status));
        });
  });

  auto mcp_handler = [&mcp](Request& req, Done done) {
    tools::McpHttpRequest in;
    in.method = req.method;
    in.body = req.body;
    in.origin = req.header("origin");
    in.protocol_version = req.header("mcp-protocol-version");
    in.session_id = req.header("mcp-session-id");
    in.host = req.header("host");
    in.from_loopback = req.peer_loopback;
    mcp.handle(in, scope_of(req), [done = std::move(done)](tools::McpHttpReply reply) {
      Response r;
      r.status = reply.status;
      r.body = std::move(reply.body);
      r.content_type.clear();
      for (auto& [name, value] : reply.headers) {
        if (name == "Content-Type")
          r.content_type = value;
        else
          r.headers.emplace_back(name, value);
      }
      done(std::move(r));
    });
  };
  for (const char* method : {"POST", "GET", "DELETE"})
    router.add_callback(method, "/mcp", AdminRole::tools, mcp_handler);
}

}  // namespace sw::admin
