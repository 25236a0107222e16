#include "audit/record.hpp"

#include <fmt/format.h>

namespace sw::audit {

const char* event_name(Event e) noexcept {
  switch (e) {
    case Event::statement:
      return "statement";
    case Event::denied:
      return "denied";
    case Event::login_failed:
      return "login_failed";
    case Event::refused:
      return "refused";
  }
  return "statement";
}

const char* source_name(Source s) noexcept {
  return s == Source::tool ? "tool" : "wire";
}

std::string fingerprint_hex(std::uint64_t fingerprint) {
  return fmt::format("{:016x}", fingerprint);
}

}  // namespace sw::audit
