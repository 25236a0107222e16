#include "proxy/admin/collector_routes.hpp"

#include <charconv>

#include <fmt/format.h>

#include "audit/api_json.hpp"
#include "proxy/admin/blocking.hpp"

namespace sw::admin {

namespace {

using collector::Registry;
using nlohmann::json;
using Clock = std::chrono::system_clock;

std::optional<std::uint64_t> collector_id(const Request& req) {
  auto it = req.params.find("id");
  if (it == req.params.end()) return std::nullopt;
  std::uint64_t v = 0;
  const std::string& s = it->second;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || ptr != s.data() + s.size() || v == 0) return std::nullopt;
  return v;
}

Response no_such_collector() {
  return error_response(404, "not_found", "no such collector");
}

Response failure(const Error& e) {
  switch (e.code) {
    case Errc::not_found:
      return error_response(404, "not_found", e.message);
    case Errc::invalid_argument:
      return bad_request(e);
    case Errc::unsupported:
      return error_response(429, "too_many_commands", e.message);
    default:
      return error_response(500, "internal", e.message);
  }
}

// The collector's API key, checked for the {id} in the path. The answer
// never says whether the id exists.
std::optional<Response> refuse_key(const Registry& registry, const Request& req, std::uint64_t id) {
  std::string key = req.header("x-collector-api-key");
  if (key.empty()) {
    auto r = error_response(401, "unauthorized", "send the collector's key: X-Collector-API-Key");
    return r;
  }
  if (!registry.authenticate(id, key))
    return error_response(401, "unauthorized", "invalid API key for this collector");
  return std::nullopt;
}

// A keyed handler: id parsed, key checked, body run off the workers.
using KeyedBody = std::function<Response(Registry&, Request&, std::uint64_t)>;

Handler keyed(Registry& registry, KeyedBody body) {
  return [&registry, body = std::move(body)](Request& req) -> net::awaitable<Response> {
    // The key check takes the registry's lock, which may wait for an
    // fsync: off the workers like the rest.
    co_return co_await run_blocking([&registry, &body, &req]() -> Response {
      auto id = collector_id(req);
      if (!id) return error_response(401, "unauthorized", "invalid API key for this collector");
      if (auto refused = refuse_key(registry, req, *id)) return *refused;
      return body(registry, req, *id);
    });
  };
}

Response heartbeat(Registry& registry, Request& req, std::uint64_t id) {
  auto body = req.json_body({"stats", "ack", "status"});
  if (!body) return bad_request(body.error());
  std::uint64_t ack = 0;
  if (auto it = body->find("ack"); it != body->end()) {
    if (!collector::is_count(*it))
      return bad_request({Errc::invalid_argument, "ack must be a command id (integer ≥ 0)"});
    ack = it->get<std::uint64_t>();
  }
  json stats = body->value("stats", json::object());
  auto commands = registry.heartbeat(id, stats, ack, Clock::now());
  if (!commands) return failure(commands.error());
  json list = json::array();
  for (const auto& c : *commands) list.push_back(collector::command_json(c));
  return json_response({{"status", "ok"}, {"commands", list}});
}

Response receive_batch(Registry& registry, Request& req, std::uint64_t id) {
  auto body = req.json_body();
  if (!body) return bad_request(body.error());
  auto dialect = registry.dialect(id);
  if (!dialect) return failure(dialect.error());
  auto batch =
      collector::parse_batch(*body, *dialect, Clock::now(), registry.options().max_batch_queries);
  if (!batch) return bad_request(batch.error());
  std::string batch_id = batch->batch_id;
  auto outcome = registry.add_batch(id, std::move(*batch));
  if (!outcome) return failure(outcome.error());
  return json_response(
      {{"batch_id", batch_id}, {"accepted", outcome->accepted}, {"duplicate", outcome->duplicate}});
}

Response queue_command(Registry& registry, Request& req) {
  auto id = collector_id(req);
  if (!id) return no_such_collector();
  auto body = req.json_body({"command", "payload"});
  if (!body) return bad_request(body.error());
  auto name = body->find("command");
  auto kind = name != body->end() && name->is_string()
                  ? collector::command_from_name(name->get<std::string>())
                  : std::nullopt;
  if (!kind)
    return bad_request(
        {Errc::invalid_argument, "command must be start, stop, collect or update_config"});
  json payload = body->value("payload", json::object());
  if (!payload.is_object())
    return bad_request({Errc::invalid_argument, "payload must be an object"});
  if (*kind == collector::CommandKind::update_config && payload.empty())
    return bad_request({Errc::invalid_argument,
                        "update_config needs a payload, e.g. {\"min_exec_time_ms\": 200}"});
  auto queued = registry.queue_command(*id, *kind, std::move(payload), Clock::now());
  if (!queued) return failure(queued.error());
  return json_response(collector::command_json(*queued), 201);
}

Response received_queries(Registry& registry, Request& req) {
  auto id = collector_id(req);
  if (!id) return no_such_collector();
  auto sort = audit::api::digest_sort(req.query_param("sort"));
  if (!sort) return bad_request(sort.error());
  std::size_t limit = 100;
  if (auto text = req.query_param("limit")) {
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (text->empty() || ec != std::errc{} || ptr != text->data() + text->size() || limit > 100000)
      return bad_request({Errc::invalid_argument, "limit must be an integer between 0 and 100000"});
  }
  auto rows = registry.queries(*id, *sort);
  if (!rows) return failure(rows.error());
  std::string out = fmt::format("{{\"collector_id\":{},\"queries\":[", *id);
  std::size_t n = 0;
  for (const auto& row : *rows) {
    if (limit != 0 && n >= limit) break;
    if (n++) out.push_back(',');
    audit::api::append_digest_row(row, out);
  }
  fmt::format_to(std::back_inserter(out), "],\"count\":{}}}\n", n);
  return text_response(std::move(out), "application/json");
}

// Operator routes: the registry's lock may wait for an fsync, so every
// handler runs off the workers. Collectors belong to no tenant: a
// tenant-scoped token is refused.
using OperatorBody = std::function<Response(Registry&, Request&)>;

Handler operator_route(Registry& registry, OperatorBody body) {
  return [&registry, body = std::move(body)](Request& req) -> net::awaitable<Response> {
    if (!req.principal.tenant.empty())
      co_return error_response(
          403, "forbidden", "collectors belong to no tenant: use a token without a tenant scope");
    co_return co_await run_blocking([&registry, &body, &req] { return body(registry, req); });
  };
}

Response register_collector(Registry& registry, Request& req) {
  auto body = req.json_body(
      {"name", "type", "team_id", "config", "collection_interval_minutes", "auto_collect"});
  if (!body) return bad_request(body.error());
  auto parsed = collector::parse_registration(*body);
  if (!parsed) return bad_request(parsed.error());
  auto out = registry.register_collector(*parsed, Clock::now());
  return out ? json_response(*out, 201) : failure(out.error());
}

Response list_collectors(Registry& registry, Request&) {
  json list = registry.list(Clock::now());
  std::size_t n = list.size();
  return json_response({{"collectors", std::move(list)},
                        {"count", n},
                        {"offline_after_seconds", registry.options().offline_after.count()}});
}

Response describe_collector(Registry& registry, Request& req) {
  auto id = collector_id(req);
  if (!id) return no_such_collector();
  auto v = registry.describe(*id, Clock::now());
  return v ? json_response(*v) : failure(v.error());
}

}  // namespace

void add_collector_routes(Router& router, Registry& registry) {
  router.add("POST", "/api/v1/collectors/register", AdminRole::admin,
             operator_route(registry, register_collector));
  router.add("GET", "/api/v1/collectors", AdminRole::read,
             operator_route(registry, list_collectors));
  router.add("GET", "/api/v1/collectors/{id}", AdminRole::read,
             operator_route(registry, describe_collector));
  router.add("POST", "/api/v1/collectors/{id}/commands", AdminRole::admin,
             operator_route(registry, queue_command));
  router.add("GET", "/api/v1/collectors/{id}/queries", AdminRole::read,
             operator_route(registry, received_queries));
  router.add_own_auth("POST", "/api/v1/collectors/{id}/heartbeat", keyed(registry, heartbeat));
  router.add_own_auth("POST", "/api/v1/collectors/{id}/queries", keyed(registry, receive_batch));
}

}  // namespace sw::admin
