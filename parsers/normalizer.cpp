#include "parsers/normalizer.hpp"

#include <xxhash.h>

#include "parsers/pg_lexer.hpp"

namespace sw::parsers {

namespace {

enum Tag : char {
  kWord = 'w',
  kQuoted = 'q',
  kLiteral = 'l',
  kParam = 'p',
  kOp = 'o',
  kPunct = 'c',
  kSemicolon = ';',
  kUserVar = 'u',
  kSystemVar = 's',
  kExecBegin = 'x',
  kVersionBegin = 'v',
  kExecEnd = 'e',
  kHint = 'h',
  kJunk = 'j',
  kOther = 'z',
  kInList = 'i',
};

void put_bytes(std::string& out, std::string_view text, bool lower) {
  std::size_t n = text.size();
  // Length as a little-endian base-128 varint.
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
  if (!lower) {
    out.append(text);
    return;
  }
  std::size_t at = out.size();
  out.resize(at + text.size());
  char* dst = out.data() + at;
  for (std::size_t i = 0; i < text.size(); ++i)
    dst[i] = static_cast<char>(ascii_lower(static_cast<unsigned char>(text[i])));
}

bool is_literal(TokenKind k) {
  return k == TokenKind::string || k == TokenKind::number || k == TokenKind::param;
}

// State for collapsing "IN (lit, lit, …)" into one marker.
enum class InList { none, saw_in, open, item, comma };

template <class Lexer>
NormalizeResult run(Lexer& lexer, std::string_view sql, std::string& out) {
  NormalizeResult r;
  std::size_t key_start = out.size();
  Token t;
  bool segment_has_tokens = false;
  std::uint32_t semicolons = 0;
  InList in_state = InList::none;
  std::size_t list_start = 0;
  // MariaDB's split (see NormalizeResult::server_statements).
  std::size_t last_significant = sql.size();
  for (std::size_t i = sql.size(); i-- > 0;) {
    char c = sql[i];
    if (!(c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')) {
      last_significant = i;
      break;
    }
  }
  std::uint32_t server_count = 1;
  bool server_stopped = false;
  while (lexer.next(t)) {
    std::string_view text = t.text(sql);
    if (t.kind == TokenKind::semicolon) {
      out.push_back(kSemicolon);
      ++semicolons;
      if (!server_stopped) {
        if (!segment_has_tokens) {
          server_stopped = true;  // an empty statement: the server fails it and stops
        } else if (last_significant != sql.size() && last_significant > t.begin) {
          ++server_count;
        } else {
          server_stopped = true;  // only ';' and whitespace follow: nothing more runs
        }
      }
      segment_has_tokens = false;
      in_state = InList::none;
      continue;
    }
    segment_has_tokens = true;
    r.has_content = true;
    // IN-list tracking.
    if (t.kind == TokenKind::word && text.size() == 2 && ascii_lower(text[0]) == 'i' &&
        ascii_lower(text[1]) == 'n') {
      in_state = InList::saw_in;
    } else if (in_state == InList::saw_in && t.kind == TokenKind::punct && text == "(") {
      in_state = InList::open;
      list_start = out.size() + 3;  // after the '(' token bytes: tag, len, '('
    } else if ((in_state == InList::open || in_state == InList::comma) && is_literal(t.kind)) {
      in_state = InList::item;
    } else if (in_state == InList::item && t.kind == TokenKind::punct && text == ",") {
      in_state = InList::comma;
    } else if (in_state == InList::item && t.kind == TokenKind::punct && text == ")") {
      out.resize(list_start);
      out.push_back(kInList);
      in_state = InList::none;
    } else {
      in_state = InList::none;
    }
    switch (t.kind) {
      case TokenKind::word:
        out.push_back(kWord);
        put_bytes(out, text, true);
        break;
      case TokenKind::quoted_ident:
        out.push_back(kQuoted);
        put_bytes(out, text, false);
        break;
      case TokenKind::string:
      case TokenKind::number:
        out.push_back(kLiteral);
        break;
      case TokenKind::param:
        out.push_back(kParam);
        break;
      case TokenKind::op:
        out.push_back(kOp);
        put_bytes(out, text, false);
        break;
      case TokenKind::punct:
        out.push_back(kPunct);
        put_bytes(out, text, false);
        break;
      case TokenKind::user_var:
        out.push_back(kUserVar);
        put_bytes(out, text, false);
        break;
      case TokenKind::system_var:
        out.push_back(kSystemVar);
        put_bytes(out, text, true);
        break;
      case TokenKind::exec_begin:
        out.push_back(kExecBegin);
        put_bytes(out, text, false);
        break;
      case TokenKind::version_begin:
        out.push_back(kVersionBegin);
        put_bytes(out, text, false);
        break;
      case TokenKind::exec_end:
        out.push_back(kExecEnd);
        break;
      case TokenKind::hint:
        out.push_back(kHint);
        put_bytes(out, text, false);
        break;
      case TokenKind::junk:
        out.push_back(kJunk);
        put_bytes(out, text, false);
        break;
      case TokenKind::other:
      case TokenKind::semicolon:
        out.push_back(kOther);
        put_bytes(out, text, false);
        break;
    }
    // The '(' after IN is 3 bytes only for the punct encoding used above.
  }
  r.error = lexer.error();
  r.statements = semicolons + (segment_has_tokens ? 1 : 0);
  r.server_statements = server_count;
  r.fingerprint = XXH3_64bits(out.data() + key_start, out.size() - key_start);
  return r;
}

template <class Lexer>
std::string render(Lexer& lexer, std::string_view sql) {
  std::string out;
  Token t;
  TokenKind prev = TokenKind::semicolon;
  std::string_view prev_text;
  while (lexer.next(t)) {
    std::string_view text = t.text(sql);
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
    prev = t.kind;
    prev_text = text;
  }
  return out;
}

}  // namespace

NormalizeResult normalize(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql,
                          std::string& out) {
  if (dialect == Dialect::postgres) {
    PgLexer lexer(sql);
    return run(lexer, sql, out);
  }
  MysqlLexer lexer(sql, mysql_options);
  return run(lexer, sql, out);
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
