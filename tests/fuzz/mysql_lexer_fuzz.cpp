// libFuzzer target: the MySQL lexer, normaliser and classifier on arbitrary
// bytes under every sql_mode combination that changes lexing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/mysql_classifier.hpp"
#include "parsers/mysql_lexer.hpp"
#include "parsers/normalizer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view sql(reinterpret_cast<const char*>(data), size);
  std::vector<sw::parsers::Token> scratch;
  for (int mode = 0; mode < 4; ++mode) {
    sw::parsers::MysqlLexOptions o{(mode & 1) != 0, (mode & 2) != 0};
    sw::parsers::MysqlLexer lexer(sql, o);
    sw::parsers::Token t;
    std::uint32_t last_end = 0;
    while (lexer.next(t)) {
      if (t.begin < last_end || t.end <= t.begin || t.end > size) std::abort();
      last_end = t.end;
    }
    std::string a, b;
    auto r1 = sw::parsers::normalize(sw::parsers::Dialect::mysql, o, sql, a);
    auto r2 = sw::parsers::normalize(sw::parsers::Dialect::mysql, o, sql, b);
    if (a != b || r1.fingerprint != r2.fingerprint) std::abort();
    if (r1.ok() && r1.server_statements == 0) std::abort();
    sw::parsers::Analysis analysis;
    sw::parsers::analyze_mysql(sql, o, analysis, scratch);
    if (analysis.parsed != r1.ok()) std::abort();
    if (analysis.parsed && analysis.statements.size() > r1.statements) std::abort();
  }
  return 0;
}
