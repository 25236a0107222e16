#pragma once
// Process-wide structured logging (spdlog). Call init_logging once in main;
// libraries log through spdlog's default logger.
#include <string_view>

#include "proxy/core/config.hpp"

namespace sw {

// Returns false when `level` is not a spdlog level name.
bool init_logging(std::string_view level, LogFormat format);

}  // namespace sw
