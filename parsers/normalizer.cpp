#include "parsers/normalizer.hpp"

#include <xxhash.h>

#include <cstring>

#include "parsers/in_list.hpp"
#include "parsers/normalizer_loop.hpp"
#include "parsers/pg_lexer.hpp"

namespace sw::parsers {

namespace {

template <class Lexer>
std::string render(Lexer& lexer, std::string_view sql) {
  std::string out;
  Token t;
  TokenKind prev = TokenKind::semicolon;
  std::string_view prev_text;
  detail::InListTracker in_list;
  std::size_t list_start = 0;
  while (lexer.next(t)) {
    std::string_view text = t.text(sql);
    auto list_step = in_list.next(t.kind, text);
    if (list_step == detail::InListTracker::Step::closed) {
      out.resize(list_start);  // as the key: one marker for the whole list
      out.append("...");
    }
    bool glue = out.empty() || prev_text == "(" || prev_text == "." || text == ")" || text == "," ||
                text == "." || text == ";" || prev == TokenKind::exec_begin ||
                (text == "(" && (prev == TokenKind::word || prev == TokenKind::quoted_ident));
    if (!glue) out.push_back(' ');
    switch (t.kind) {
      case TokenKind::word:
      case TokenKind::system_var:
        for (char c : text) out.push_back(static_cast<char>(ascii_lower(c)));
        break;
      case TokenKind::string:
      case TokenKind::number:
      case TokenKind::param:
        out.push_back('?');
        break;
      default:
        out.append(text);
    }
    if (list_step == detail::InListTracker::Step::opened) list_start = out.size();
    prev = t.kind;
    prev_text = text;
  }
  return out;
}

}  // namespace

NormalizeResult normalize(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql,
                          KeyBuffer& out) {
  if (dialect == Dialect::postgres) return detail::normalize_postgres(sql, out);
  return detail::normalize_mysql(sql, mysql_options, out);
}

NormalizeResult normalize(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql,
                          std::string& out) {
  KeyBuffer buf;
  NormalizeResult r = normalize(dialect, mysql_options, sql, buf);
  out.append(buf.view());
  return r;
}

std::string normalized_text(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql) {
  if (dialect == Dialect::postgres) {
    PgLexer lexer(sql);
    return render(lexer, sql);
  }
  MysqlLexer lexer(sql, mysql_options);
  return render(lexer, sql);
}

}  // namespace sw::parsers
