#pragma once
// The agent's side of the collector protocol (proxy/admin/collector_routes.hpp):
// heartbeats and batches, authenticated with X-Collector-API-Key.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/agent/agent_config.hpp"
#include "collector/agent/http_client.hpp"

namespace sw::collector::agent {

struct RemoteCommand {
  std::uint64_t id = 0;
  std::string command;  // start | stop | collect | update_config
  nlohmann::json payload = nlohmann::json::object();
};

// What became of a batch POST.
enum class Delivery {
  accepted,  // stored by the backend (or a duplicate of a stored one): drop our copy
  retry,     // backend unreachable or busy: keep it and try again later
  rejected,  // the backend refuses it for good (400): drop it, count an error
};

class BackendClient {
 public:
  static Result<BackendClient> make(const AgentConfig& config);

  // Sends statistics and the highest command id already run; returns the
  // commands still pending.
  Result<std::vector<RemoteCommand>> heartbeat(const nlohmann::json& stats,
                                               std::uint64_t ack) const;
  // `message` gets the reason for retry/rejected.
  Delivery send_batch(const std::string& body, std::string& message) const;

 private:
  BackendClient(HttpClient http, std::uint64_t id, Secret key)
      : http_(std::move(http)), id_(id), key_(std::move(key)) {}
  Headers headers() const;

  HttpClient http_;
  std::uint64_t id_;
  Secret key_;
};

}  // namespace sw::collector::agent
