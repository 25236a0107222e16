#pragma once
// Applies a profile to an analysed request. Pure: same inputs, same verdict
// (which is what makes the verdict cacheable).
#include <string>
#include <string_view>

#include "parsers/normalizer.hpp"
#include "parsers/statement.hpp"
#include "policy/profile.hpp"

namespace sw::policy {

struct Verdict {
  bool allowed = true;
  parsers::StatementKind kind = parsers::StatementKind::unknown;
  const char* rule = "";  // static rule id; "" when allowed
  std::string message;    // empty when allowed
};

struct RequestFacts {
  parsers::Dialect dialect = parsers::Dialect::postgres;
  std::string_view database;  // session's current database
  const parsers::NormalizeResult* lexed = nullptr;
  const parsers::Analysis* analysis = nullptr;
};

Verdict evaluate(const Profile& profile, const RequestFacts& facts);

// Rules that need no analysis.
Verdict deny(const char* rule, std::string message,
             parsers::StatementKind kind = parsers::StatementKind::unknown);

// Length limit in characters (UTF-8 code points), counted only when the
// byte length could exceed it.
bool exceeds_length(std::string_view sql, std::uint32_t max_chars) noexcept;

}  // namespace sw::policy
