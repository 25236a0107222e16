#include "proxy/admin/tools/exo_api.hpp"

#include <memory>
#include <vector>

#include "proxy/admin/tools/tool_catalog.hpp"

namespace sw::tools {
namespace {

ApiReply bad_request(std::string_view message) {
  return {400, {{"error", {{"code", "bad_request"}, {"message", message}}}}};
}

// One prepared call, or the tool error to answer without running it.
struct PreparedCall {
  nlohmann::json id;  // echoed as tool_call_id (null when absent)
  ToolCall call;
  std::optional<nlohmann::json> immediate;
};

std::variant<PreparedCall, std::string> prepare(const nlohmann::json& tc) {
  if (!tc.is_object()) return std::string("a tool call must be an object");
  PreparedCall p;
  p.id = tc.contains("id") ? tc["id"] : nlohmann::json(nullptr);
  const nlohmann::json* fn = tc.contains("function") ? &tc["function"] : &tc;
  if (!fn->is_object() || !fn->contains("name") || !(*fn)["name"].is_string())
    return std::string("a tool call needs function.name");
  p.call.name = (*fn)["name"].get<std::string>();
  auto args = parse_arguments(fn->contains("arguments") ? (*fn)["arguments"] : nlohmann::json());
  if (args.index() == 0)
    p.call.arguments = std::get<0>(std::move(args));
  else
    p.immediate = std::get<1>(std::move(args));
  if (!p.immediate && !is_known_tool(p.call.name))
    p.immediate = tool_error("unknown_tool", "no tool named \"" + p.call.name + "\"");
  return p;
}

nlohmann::json tool_message(const PreparedCall& p, nlohmann::json result) {
  return {{"tool_call_id", p.id},
          {"role", "tool"},
          {"name", p.call.name},
          {"content", dump_json(result)},
          {"result", std::move(result)}};
}

// Runs the calls one after another (answers stay in request order; a later
// call may depend on an earlier write), then replies.
struct Batch : std::enable_shared_from_this<Batch> {
  ToolExecutor& executor;
  ToolScope scope;
  std::vector<PreparedCall> calls;
  nlohmann::json results = nlohmann::json::array();
  bool single = false;
  ApiDone done;

  Batch(ToolExecutor& e, ToolScope s) : executor(e), scope(std::move(s)) {}

  void next() {
    while (results.size() < calls.size()) {
      auto& p = calls[results.size()];
      if (p.immediate) {
        results.push_back(tool_message(p, *p.immediate));
        continue;
      }
      executor.submit(scope, p.call, [self = shared_from_this()](nlohmann::json r) {
        auto& pc = self->calls[self->results.size()];
        self->results.push_back(tool_message(pc, std::move(r)));
        self->next();
      });
      return;
    }
    if (single)
      done({200, results[0]});
    else
      done({200, {{"results", results}}});
  }
};

}  // namespace

std::variant<nlohmann::json, nlohmann::json> parse_arguments(const nlohmann::json& arguments) {
  using R = std::variant<nlohmann::json, nlohmann::json>;
  if (arguments.is_null()) return R(std::in_place_index<0>, nlohmann::json::object());
  if (arguments.is_object()) return R(std::in_place_index<0>, arguments);
  if (arguments.is_string()) {
    const auto& s = arguments.get_ref<const std::string&>();
    if (s.find_first_not_of(" \t\r\n") == std::string::npos)
      return R(std::in_place_index<0>, nlohmann::json::object());
    auto parsed = nlohmann::json::parse(s, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object())
      return R(std::in_place_index<1>,
               tool_error("invalid_arguments", "function.arguments is not a JSON object"));
    return R(std::in_place_index<0>, std::move(parsed));
  }
  return R(
      std::in_place_index<1>,
      tool_error("invalid_arguments", "function.arguments must be an object or a JSON string"));
}

void handle_database_request(ToolExecutor& executor, ToolScope scope, const nlohmann::json& body,
                             ApiDone done) {
  if (!body.is_object() || !body.contains("action") || !body["action"].is_string())
    return done(bad_request("expected {\"action\": \"tools\" | \"execute\" | \"test\"}"));
  for (const char* key : {"engine", "tenant"})
    if (body.contains(key) && !body[key].is_string())
      return done(bad_request(std::string(key) + " must be a string"));
  if (body.contains("engine")) scope.engine = body["engine"].get<std::string>();
  if (body.contains("tenant")) {
    // A tenant-scoped token may only name its own tenant.
    std::string t = body["tenant"].get<std::string>();
    if (!scope.tenant.empty() && scope.tenant != t)
      return done(
          {403,
           {{"error", {{"code", "forbidden"}, {"message", "tenant outside the token's scope"}}}}});
    scope.tenant = t;
  }
  const std::string action = body["action"].get<std::string>();
  if (action == "tools") return done({200, {{"tools", openai_tool_definitions()}}});
  if (action == "test") {
    executor.submit(scope, {"test_database_connection", nlohmann::json::object()},
                    [done](nlohmann::json r) {
                      done({200, std::move(r)});
                    });
    return;
  }
  if (action != "execute")
    return done(bad_request("unknown action \"" + action + "\" (tools, execute, test)"));

  auto batch = std::make_shared<Batch>(executor, std::move(scope));
  batch->done = std::move(done);
  const nlohmann::json* list = nullptr;
  nlohmann::json one;
  if (body.contains("tool_calls")) {
    list = &body["tool_calls"];
    if (!list->is_array() || list->empty())
      return batch->done(bad_request("tool_calls must be a non-empty array"));
  } else if (body.contains("tool_call")) {
    one = nlohmann::json::array({body["tool_call"]});
    list = &one;
    batch->single = true;
  } else {
    return batch->done(bad_request("execute needs tool_call or tool_calls"));
  }
  for (const auto& tc : *list) {
    auto p = prepare(tc);
    if (auto* msg = std::get_if<std::string>(&p)) return batch->done(bad_request(*msg));
    batch->calls.push_back(std::get<PreparedCall>(std::move(p)));
  }
  batch->next();
}

}  // namespace sw::tools
