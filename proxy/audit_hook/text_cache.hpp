#pragma once
// Per-worker caches (no locks) of what AuditPort::describe renders, so an
// audited statement usually costs no lexer pass beyond the policy gate's:
//   - NormalizedCache: normalised text by fingerprint. The fingerprint is the
//     hash of the normalised token stream, so it names one normalised text
//     (the digest table relies on the same).
//   - RedactedCache: `redacted` text by the exact statement text. Prepared
//     statements and statements without literals repeat byte for byte.
// Both direct-mapped and bounded: a miss renders again and takes the slot.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/statement.hpp"

namespace sw::audit_hook {

inline constexpr std::size_t kTextCacheSlots = 1024;
inline constexpr std::size_t kTextCacheMaxBytes = 2048;  // longer texts are rendered each time

class NormalizedCache {
 public:
  NormalizedCache() : slots_(kTextCacheSlots) {}

  const std::string* find(std::uint64_t fingerprint, parsers::Dialect dialect) const noexcept {
    const Slot& s = slots_[fingerprint & (kTextCacheSlots - 1)];
    return s.used && s.fingerprint == fingerprint && s.dialect == dialect ? &s.text : nullptr;
  }
  void put(std::uint64_t fingerprint, parsers::Dialect dialect, std::string_view text) {
    if (text.size() > kTextCacheMaxBytes) return;
    Slot& s = slots_[fingerprint & (kTextCacheSlots - 1)];
    s.used = true;
    s.fingerprint = fingerprint;
    s.dialect = dialect;
    s.text.assign(text);
  }

 private:
  struct Slot {
    bool used = false;
    parsers::Dialect dialect = parsers::Dialect::postgres;
    std::uint64_t fingerprint = 0;
    std::string text;
  };
  std::vector<Slot> slots_;
};

class RedactedCache {
 public:
  RedactedCache() : slots_(kTextCacheSlots) {}

  // `context` tells apart what changes the rendering besides the text
  // (dialect, MySQL lexing flags).
  const std::string* find(std::string_view sql, unsigned context) const noexcept {
    const Slot& s = slots_[slot(sql, context)];
    return s.used && s.context == context && s.sql == sql ? &s.text : nullptr;
  }
  void put(std::string_view sql, unsigned context, std::string_view text) {
    if (sql.size() > kTextCacheMaxBytes) return;
    Slot& s = slots_[slot(sql, context)];
    s.used = true;
    s.context = context;
    s.sql.assign(sql);
    s.text.assign(text);
  }

 private:
  struct Slot {
    bool used = false;
    unsigned context = 0;
    std::string sql;
    std::string text;
  };
  static std::size_t slot(std::string_view sql, unsigned context) noexcept {
    return (std::hash<std::string_view>{}(sql) + context) & (kTextCacheSlots - 1);
  }
  std::vector<Slot> slots_;
};

}  // namespace sw::audit_hook
