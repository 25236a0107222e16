#pragma once
// A credential that must never reach a log line or the audit trail in clear.
// Formatting a Secret (fmt/spdlog) prints a fixed mask; only code that needs
// the value (authentication) calls reveal().
#include <string>

#include <fmt/format.h>

namespace sw {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const noexcept { return value_; }
  bool empty() const noexcept { return value_.empty(); }
  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

}  // namespace sw

template <>
struct fmt::formatter<sw::Secret> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const sw::Secret&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("********", ctx);
  }
};
