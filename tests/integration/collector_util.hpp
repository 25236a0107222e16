#pragma once
// What the collector tests (issue 17) share: a receiving sqlwarden with the
// collector API on, the agent as a child process (`sqlwarden collector`),
// and readers for the API's answers.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <utility>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/admin_util.hpp"
#include "tests/integration/audit_util.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {

using Json = nlohmann::json;

// OFFLINE after this many seconds without a heartbeat (the seed's 2 minutes, shortened).
inline constexpr int kOfflineAfterSeconds = 3;

// A proxy with the admin token ops-secret, the audit trail (slow threshold
// 500 ms) and the collector API keeping its state in `state_dir`.
inline ProxyOptions collector_backend_options(const std::string& name,
                                              const std::string& state_dir) {
  std::string files = make_temp_dir(name + "_audit");
  ProxyOptions o = audit_options("slow_threshold_ms = 500", "path = \"" + files + "/audit.jsonl\"");
  o.extra_toml += fmt::format("\n[collectors]\nstate_dir = \"{}\"\noffline_after_seconds = {}\n",
                              state_dir, kOfflineAfterSeconds);
  return o;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

// POST with the collector's key (X-Collector-API-Key, as seed 001's backend takes it).
inline HttpResult collector_post(std::uint16_t port, const std::string& path,
                                 const std::string& key, const std::string& body) {
  std::string req = fmt::format(
      "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: "
      "application/json\r\nContent-Length: {}\r\n",
      path, body.size());
  if (!key.empty()) req += "X-Collector-API-Key: " + key + "\r\n";
  return http_raw(port, req + "\r\n" + body);
}

struct Registered {
  std::uint64_t id = 0;
  std::string key;
};

// Seed 001's registration request.
inline Registered register_collector(std::uint16_t port, const std::string& type) {
  Json body = {{"name", "Production " + type + " Server"},
               {"type", type},
               {"team_id", 1},
               {"config", {{"host", "127.0.0.1"}, {"user", "monitoring"}, {"password", "secret"}}},
               {"collection_interval_minutes", 5},
               {"auto_collect", true}};
  HttpResult r =
      http_request(port, "POST", "/api/v1/collectors/register", "ops-secret", body.dump());
  EXPECT_EQ(r.status, 201) << r.raw;
  Json j = Json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("api_key")) return {};
  return {j["id"].get<std::uint64_t>(), j["api_key"].get<std::string>()};
}

// {} when the backend does not answer (it may be down on purpose).
inline Json collector_view(std::uint16_t port, std::uint64_t id) {
  Json j = admin_get(port, fmt::format("/api/v1/collectors/{}", id));
  return j.is_object() ? j : Json::object();
}

// A string statistic of the last heartbeat ("state", "last_error").
inline std::string agent_text(const Json& view, const char* name) {
  if (!view.contains("stats") || !view["stats"].is_object()) return {};
  return view["stats"].value(name, std::string());
}

// The received queries, aggregated by fingerprint.
inline Json received(std::uint16_t port, std::uint64_t id) {
  Json j = admin_get(port, fmt::format("/api/v1/collectors/{}/queries?limit=0", id));
  return j.is_object() && j.contains("queries") ? j["queries"] : Json::array();
}

inline std::uint64_t total_count(const Json& queries) {
  std::uint64_t n = 0;
  for (const auto& q : queries) n += q.value("count", std::uint64_t{0});
  return n;
}

inline std::uint64_t agent_stat(const Json& view, const char* name) {
  if (!view.is_object() || !view.contains("stats") || !view["stats"].is_object()) return 0;
  auto it = view["stats"].find(name);
  return it != view["stats"].end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

inline int post_command(std::uint16_t port, std::uint64_t id, const std::string& command,
                        const Json& payload = Json::object()) {
  Json body = {{"command", command}, {"payload", payload}};
  return http_request(port, "POST", fmt::format("/api/v1/collectors/{}/commands", id), "ops-secret",
                      body.dump())
      .status;
}

// `sqlwarden collector --config <dir>/config.json` as a child process.
class AgentProcess {
 public:
  AgentProcess(const std::string& name, const Json& config) : dir_(make_temp_dir(name)) {
    Json c = config;
    c["state_dir"] = dir_ + "/state";
    std::ofstream(dir_ + "/config.json") << c.dump(2);
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open((dir_ + "/agent.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::string bin = sqlwarden_binary();
      std::string cfg = dir_ + "/config.json";
      ::execl(bin.c_str(), bin.c_str(), "collector", "--config", cfg.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~AgentProcess() { terminate(); }
  AgentProcess(const AgentProcess&) = delete;
  AgentProcess& operator=(const AgentProcess&) = delete;

  // SIGTERM; the exit code, or -1 when it had to be killed.
  int terminate() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 300; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return -1;
  }
  std::string log() const { return read_file(dir_ + "/agent.log"); }
  Json state() const { return Json::parse(read_file(dir_ + "/state/state.json"), nullptr, false); }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

// An agent config (seed 001's keys); intervals short for the tests.
inline Json agent_config(const Registered& reg, std::uint16_t backend_port,
                         const std::string& db_type, const Json& db_config) {
  return {{"collector_id", reg.id},
          {"api_key", reg.key},
          {"backend_url", fmt::format("http://127.0.0.1:{}", backend_port)},
          {"db_type", db_type},
          {"db_config", db_config},
          {"heartbeat_interval", 0.3},
          {"collection_interval", 1}};
}

// Until the agent has heartbeated after at least `n` collections.
inline bool wait_collections(std::uint16_t port, std::uint64_t id, std::uint64_t n,
                             std::chrono::milliseconds limit = std::chrono::seconds(15)) {
  return eventually([&] { return agent_stat(collector_view(port, id), "collections") >= n; },
                    limit);
}

// A receiving sqlwarden (state in its own directory), a collector of
// `type` registered with it, and that collector's agent. `db_config` gets
// the receiving server's admin port (for agents reading its slow log).
struct Harness {
  ProxyProcess backend;
  std::uint16_t port;
  Registered reg;
  AgentProcess agent;

  Harness(const std::string& name, const std::string& type,
          const std::function<Json(std::uint16_t admin_port)>& db_config)
      : backend(name, collector_backend_options(name, make_temp_dir(name + "_state"))),
        port(backend.admin_port()),
        reg(register_collector(port, type)),
        agent(name + "_agent", agent_config(reg, port, type, db_config(port))) {}

  // True once the agent has reported its first collection.
  bool ready() { return backend.running() && reg.id != 0 && wait_collections(port, reg.id, 1); }
  Json view() const { return collector_view(port, reg.id); }
  Json queries() const { return received(port, reg.id); }
};

}  // namespace sw::test
