#include "collector/command.hpp"

#include <chrono>

namespace sw::collector {

namespace {
constexpr std::pair<CommandKind, const char*> kNames[] = {
    {CommandKind::start, "start"},
    {CommandKind::stop, "stop"},
    {CommandKind::collect, "collect"},
    {CommandKind::update_config, "update_config"},
};
}  // namespace

const char* command_name(CommandKind k) noexcept {
  for (const auto& [kind, name] : kNames)
    if (kind == k) return name;
  return "collect";
}

std::optional<CommandKind> command_from_name(std::string_view name) noexcept {
  for (const auto& [kind, n] : kNames)
    if (name == n) return kind;
  return std::nullopt;
}

nlohmann::json command_json(const Command& c) {
  return {{"id", c.id},
          {"command", command_name(c.kind)},
          {"payload", c.payload},
          {"created_unix",
           std::chrono::duration_cast<std::chrono::seconds>(c.created.time_since_epoch()).count()}};
}

}  // namespace sw::collector
