#include "parsers/statement.hpp"

#include <array>

namespace sw::parsers {

namespace {
constexpr std::array<const char*, kStatementKindCount> kKindNames = {
    "unknown", "select",   "insert",  "update",  "delete", "merge",  "replace",
    "show",    "describe", "explain", "set",     "txn",    "ddl",    "dcl",
    "copy",    "load",     "call",    "prepare", "use",    "lock",   "maintenance",
    "notify",  "do",       "handler", "admin",   "help",   "client", "other",
};
}  // namespace

const char* statement_kind_name(StatementKind kind) noexcept {
  auto i = static_cast<std::size_t>(kind);
  return i < kKindNames.size() ? kKindNames[i] : "unknown";
}

StatementKind statement_kind_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kKindNames.size(); ++i)
    if (name == kKindNames[i]) return static_cast<StatementKind>(i);
  return StatementKind::unknown;
}

std::string to_string(const QualifiedName& name) {
  std::string out;
  if (!name.catalog.empty()) out += name.catalog + ".";
  if (!name.schema.empty()) out += name.schema + ".";
  out += name.name;
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]);
    unsigned char y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

}  // namespace sw::parsers
