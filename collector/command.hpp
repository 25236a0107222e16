#pragma once
// Remote commands (seed 001): queued by an operator, handed to the
// collector in every heartbeat answer until the collector acknowledges
// them. Ids grow per collector; the agent runs each id once and sends the
// highest id it ran as `ack`, so a lost heartbeat answer loses nothing and
// a repeated one runs nothing twice.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sw::collector {

enum class CommandKind { start, stop, collect, update_config };

const char* command_name(CommandKind k) noexcept;
std::optional<CommandKind> command_from_name(std::string_view name) noexcept;

struct Command {
  std::uint64_t id = 0;
  CommandKind kind = CommandKind::collect;
  nlohmann::json payload = nlohmann::json::object();  // update_config: the changed db_config keys
  std::chrono::system_clock::time_point created;
};

nlohmann::json command_json(const Command& c);

}  // namespace sw::collector
