#include "proxy/mysql/codec/local_infile.hpp"

#include "parsers/mysql_classifier.hpp"
#include "parsers/statement.hpp"
#include "proxy/mysql/codec/constants.hpp"

namespace sw::mysql {

std::optional<std::string> decode_string_literal(std::string_view literal,
                                                 bool no_backslash_escapes) {
  if (literal.size() < 2) return std::nullopt;
  char q = literal.front();
  if ((q != '\'' && q != '"') || literal.back() != q) return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i + 1 < literal.size(); ++i) {
    char c = literal[i];
    if (c == q && i + 2 < literal.size() && literal[i + 1] == q) {
      out.push_back(q);
      ++i;
    } else if (c == '\\' && !no_backslash_escapes && i + 2 < literal.size()) {
      char e = literal[++i];
      switch (e) {
        case '0':
          out.push_back('\0');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'Z':
          out.push_back('\x1a');
          break;
        case '%':
        case '_':  // kept with their backslash (LIKE patterns)
          out.push_back('\\');
          out.push_back(e);
          break;
        default:
          out.push_back(e);
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

LocalInfilePlan plan_local_infile(std::string_view sql, bool no_backslash_escapes,
                                  bool ansi_quotes) {
  parsers::Analysis analysis;
  std::vector<parsers::Token> tokens;
  parsers::analyze_mysql(sql, {no_backslash_escapes, ansi_quotes}, analysis, tokens);
  LocalInfilePlan plan;
  plan.statements = analysis.statements.size();
  for (const auto& st : analysis.statements) {
    if (!st.local_infile) continue;
    auto name = decode_string_literal(st.local_file, no_backslash_escapes);
    if (name) plan.files.push_back(std::move(*name));
  }
  return plan;
}

std::optional<std::string_view> local_infile_request(ByteSpan payload) {
  if (payload.empty() || payload[0] != header::local_infile) return std::nullopt;
  return as_chars(payload.subspan(1));
}

}  // namespace sw::mysql
