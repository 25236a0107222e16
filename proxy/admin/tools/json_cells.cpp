#include "proxy/admin/tools/json_cells.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace sw::tools {
namespace {

constexpr std::int64_t kMaxSafe = (std::int64_t{1} << 53);

nlohmann::json integer_json(const std::string& text, bool is_unsigned) {
  if (is_unsigned || (!text.empty() && text[0] != '-')) {
    std::uint64_t u = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), u);
    if (ec == std::errc() && p == text.data() + text.size())
      return u <= static_cast<std::uint64_t>(kMaxSafe) ? nlohmann::json(u) : nlohmann::json(text);
    return text;
  }
  std::int64_t i = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (ec == std::errc() && p == text.data() + text.size() && i >= -kMaxSafe) return i;
  return text;
}

nlohmann::json floating_json(const std::string& text) {
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(d)) return text;  // NaN, Infinity
  return d;
}

nlohmann::json boolean_json(const std::string& text) {
  if (text == "t" || text == "true" || text == "1") return true;
  if (text == "f" || text == "false" || text == "0") return false;
  return text;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) |
                      std::uint8_t(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < bytes.size()) {
    std::uint32_t v = std::uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= std::uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

nlohmann::json cell_to_json(ValueKind kind, const Cell& cell) {
  if (!cell) return nullptr;
  switch (kind) {
    case ValueKind::integer:
      return integer_json(*cell, false);
    case ValueKind::unsigned_integer:
      return integer_json(*cell, true);
    case ValueKind::floating:
      return floating_json(*cell);
    case ValueKind::boolean:
      return boolean_json(*cell);
    case ValueKind::binary:
      return base64_encode(*cell);
    case ValueKind::decimal:
    case ValueKind::text:
      break;
  }
  // Invalid UTF-8 would make the JSON dump throw: replace it.
  return *cell;
}

}  // namespace sw::tools
