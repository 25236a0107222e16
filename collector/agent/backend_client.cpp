#include "collector/agent/backend_client.hpp"

#include <fmt/format.h>

namespace sw::collector::agent {

namespace {

using nlohmann::json;

// The backend's own error message, never our request (which holds the key).
std::string describe(const HttpReply& r) {
  json j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].value("message", json()).is_string())
    return fmt::format("HTTP {}: {}", r.status, j["error"]["message"].get<std::string>());
  return fmt::format("HTTP {}", r.status);
}

}  // namespace

Result<BackendClient> BackendClient::make(const AgentConfig& config) {
  auto url = parse_url(config.backend_url);
  if (!url) return std::move(url).error();
  return BackendClient(HttpClient(std::move(*url), std::chrono::seconds(10)), config.collector_id,
                       config.api_key);
}

Headers BackendClient::headers() const {
  return {{"X-Collector-API-Key", key_.reveal()}};
}

Result<std::vector<RemoteCommand>> BackendClient::heartbeat(const json& stats,
                                                            std::uint64_t ack) const {
  json body = {{"stats", stats}, {"ack", ack}};
  auto reply = http_.request("POST", fmt::format("/api/v1/collectors/{}/heartbeat", id_), headers(),
                             body.dump());
  if (!reply) return std::move(reply).error();
  if (reply->status != 200) return make_error(Errc::io, "heartbeat: " + describe(*reply));
  json j = json::parse(reply->body, nullptr, false);
  if (!j.is_object() || !j.contains("commands") || !j["commands"].is_array())
    return make_error(Errc::protocol_violation, "heartbeat: the answer holds no command list");
  std::vector<RemoteCommand> out;
  for (const auto& c : j["commands"]) {
    if (!c.is_object() || !c.value("id", json()).is_number_unsigned() ||
        !c.value("command", json()).is_string())
      return make_error(Errc::protocol_violation, "heartbeat: malformed command");
    RemoteCommand rc{c["id"].get<std::uint64_t>(), c["command"].get<std::string>(),
                     c.value("payload", json::object())};
    out.push_back(std::move(rc));
  }
  return out;
}

Delivery BackendClient::send_batch(const std::string& body, std::string& message) const {
  auto reply =
      http_.request("POST", fmt::format("/api/v1/collectors/{}/queries", id_), headers(), body);
  if (!reply) {
    message = reply.error().message;
    return Delivery::retry;
  }
  if (reply->status == 200) return Delivery::accepted;
  message = describe(*reply);
  // 400 and 413 will never succeed; 401/404 may (a key being fixed, a
  // backend restored from backup), and 5xx/429 are transient.
  return reply->status == 400 || reply->status == 413 ? Delivery::rejected : Delivery::retry;
}

}  // namespace sw::collector::agent
