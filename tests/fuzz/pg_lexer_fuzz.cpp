// libFuzzer target: the PostgreSQL lexer and normaliser on arbitrary bytes.
// Checks token bounds and order, and that normalising is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "parsers/normalizer.hpp"
#include "parsers/pg_lexer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  sw::parsers::PgLexer lexer(sql);
  sw::parsers::Token t;
  std::uint32_t last_end = 0;
  while (lexer.next(t)) {
    if (t.begin < last_end || t.end <= t.begin || t.end > size) std::abort();
    last_end = t.end;
  }
  std::string a, b;
  auto r1 = sw::parsers::normalize(sw::parsers::Dialect::postgres, {}, sql, a);
  auto r2 = sw::parsers::normalize(sw::parsers::Dialect::postgres, {}, sql, b);
  if (a != b || r1.fingerprint != r2.fingerprint || r1.statements != r2.statements) std::abort();
  if (r1.ok() != (lexer.error() == sw::parsers::LexError::none)) std::abort();
  (void)sw::parsers::normalized_text(sw::parsers::Dialect::postgres, {}, sql);
  return 0;
}
