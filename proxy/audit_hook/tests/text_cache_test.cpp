// The audit text caches: a hit gives back exactly what was put for that key,
// and anything else (another fingerprint in the same slot, another dialect
// or lexing context, another text) misses.
#include <gtest/gtest.h>

#include "proxy/audit_hook/text_cache.hpp"

namespace sw::audit_hook {
namespace {

using parsers::Dialect;

TEST(TextCache, NormalizedByFingerprintAndDialect) {
  NormalizedCache c;
  EXPECT_EQ(c.find(7, Dialect::postgres), nullptr);
  c.put(7, Dialect::postgres, "select ?");
  ASSERT_NE(c.find(7, Dialect::postgres), nullptr);
  EXPECT_EQ(*c.find(7, Dialect::postgres), "select ?");
  EXPECT_EQ(c.find(7, Dialect::mysql), nullptr);
  // Same slot, other fingerprint: replaces, never answers for the old one.
  c.put(7 + kTextCacheSlots, Dialect::postgres, "select ? from t");
  EXPECT_EQ(c.find(7, Dialect::postgres), nullptr);
  EXPECT_EQ(*c.find(7 + kTextCacheSlots, Dialect::postgres), "select ? from t");
  c.put(9, Dialect::postgres, std::string(kTextCacheMaxBytes + 1, 'x'));
  EXPECT_EQ(c.find(9, Dialect::postgres), nullptr);
}

TEST(TextCache, RedactedByExactTextAndContext) {
  RedactedCache c;
  c.put("SELECT 1 WHERE a = $1", 0, "SELECT ? WHERE a = $1");
  ASSERT_NE(c.find("SELECT 1 WHERE a = $1", 0), nullptr);
  EXPECT_EQ(*c.find("SELECT 1 WHERE a = $1", 0), "SELECT ? WHERE a = $1");
  EXPECT_EQ(c.find("SELECT 1 WHERE a = $1", 1), nullptr);
  EXPECT_EQ(c.find("SELECT 2 WHERE a = $1", 0), nullptr);
  EXPECT_EQ(c.find("SELECT 1 WHERE a = $1 ", 0), nullptr);
  c.put(std::string(kTextCacheMaxBytes + 1, 'x'), 0, "?");
  EXPECT_EQ(c.find(std::string(kTextCacheMaxBytes + 1, 'x'), 0), nullptr);
}

}  // namespace
}  // namespace sw::audit_hook
