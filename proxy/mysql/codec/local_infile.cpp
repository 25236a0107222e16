#include "proxy/mysql/codec/local_infile.hpp"

#include <utility>

#include "parsers/mysql_classifier.hpp"
#include "parsers/statement.hpp"
#include "proxy/mysql/codec/constants.hpp"

namespace sw::mysql {

namespace {

// The character a backslash escape stands for in a MySQL string literal.
char unescaped(char e) {
  static constexpr std::pair<char, char> kEscapes[] = {{'0', '\0'}, {'b', '\b'}, {'n', '\n'},
                                                       {'r', '\r'}, {'t', '\t'}, {'Z', '\x1a'}};
  for (auto [k, v] : kEscapes)
    if (k == e) return v;
  return e;
}

}  // namespace

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
      if (e == '%' || e == '_') out.push_back('\\');  // kept escaped (LIKE patterns)
      out.push_back(unescaped(e));
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
