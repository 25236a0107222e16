#pragma once
// How sqlwarden-shell reaches the tools: in-process through the tool
// executor (with --config: a seed db_config.json or a sqlwarden.toml; the
// executor then logs in to that listener like any client), or over HTTP to
// a running sqlwarden's `POST /database` (--url, --token).
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace sw::shell {

class Transport {
 public:
  virtual ~Transport() = default;
  // Runs one tool; the result is the tool's JSON (success or structured error).
  virtual nlohmann::json call(const std::string& tool, const nlohmann::json& arguments) = 0;
  virtual std::string describe() const = 0;
};

struct TransportOptions {
  std::string config_file;  // db_config.json or sqlwarden.toml
  std::string url;          // http://host:port
  std::string token;
  std::string engine;  // mysql | postgres | "" (default)
  std::string tenant;
  unsigned timeout_ms = 0;  // 0 = the configured default
};

// nullptr with `error` set when the options or the config are unusable.
std::unique_ptr<Transport> make_transport(const TransportOptions& options, std::string& error);

}  // namespace sw::shell
