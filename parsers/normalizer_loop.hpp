#pragma once
// The normaliser's token loop, as a template over the lexer. Each lexer's
// .cpp instantiates it (normalize_postgres / normalize_mysql) so the lexer's
// next() inlines into the loop: this is the decision-cache hot path.
#include <xxhash.h>

#include <cstring>
#include <string_view>

#include "parsers/in_list.hpp"
#include "parsers/normalizer.hpp"
#include "parsers/token.hpp"

namespace sw::parsers::detail {

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

// Tag, length (little-endian base-128 varint) and bytes, folded to lower
// case when asked.
inline void put_token(KeyBuffer& out, char tag, std::string_view text, bool lower) {
  std::size_t n = text.size();
  char* p = out.tail(n + 11);
  char* const start = p;
  *p++ = tag;
  std::size_t len = n;
  while (len >= 0x80) {
    *p++ = static_cast<char>((len & 0x7f) | 0x80);
    len >>= 7;
  }
  *p++ = static_cast<char>(len);
  if (lower) {
    for (std::size_t i = 0; i < n; ++i)
      p[i] = static_cast<char>(ascii_lower(static_cast<unsigned char>(text[i])));
  } else if (n > 0) {
    std::memcpy(p, text.data(), n);
  }
  out.commit(static_cast<std::size_t>(p - start) + n);
}

template <class Lexer>
NormalizeResult run(Lexer& lexer, std::string_view sql, KeyBuffer& out) {
  NormalizeResult r;
  std::size_t key_start = out.size();
  Token t;
  bool segment_has_tokens = false;
  std::uint32_t semicolons = 0;
  InListTracker in_list;
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
      in_list.reset();
      continue;
    }
    segment_has_tokens = true;
    r.has_content = true;
    switch (in_list.next(t.kind, text)) {
      case InListTracker::Step::opened:
        list_start = out.size() + 3;  // after the '(' token bytes: tag, len, '('
        break;
      case InListTracker::Step::closed:
        out.truncate(list_start);
        out.push_back(kInList);
        break;
      case InListTracker::Step::none:
        break;
    }
    switch (t.kind) {
      case TokenKind::word:
        put_token(out, kWord, text, true);
        break;
      case TokenKind::quoted_ident:
        put_token(out, kQuoted, text, false);
        break;
      case TokenKind::string:
      case TokenKind::number:
        out.push_back(kLiteral);
        break;
      case TokenKind::param:
        out.push_back(kParam);
        break;
      case TokenKind::op:
        put_token(out, kOp, text, false);
        break;
      case TokenKind::punct:
        put_token(out, kPunct, text, false);
        break;
      case TokenKind::user_var:
        put_token(out, kUserVar, text, false);
        break;
      case TokenKind::system_var:
        put_token(out, kSystemVar, text, true);
        break;
      case TokenKind::exec_begin:
        put_token(out, kExecBegin, text, false);
        break;
      case TokenKind::version_begin:
        put_token(out, kVersionBegin, text, false);
        break;
      case TokenKind::exec_end:
        out.push_back(kExecEnd);
        break;
      case TokenKind::hint:
        put_token(out, kHint, text, false);
        break;
      case TokenKind::junk:
        put_token(out, kJunk, text, false);
        break;
      case TokenKind::other:
      case TokenKind::semicolon:
        put_token(out, kOther, text, false);
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

// Instantiated in pg_lexer.cpp and mysql_lexer.cpp.
NormalizeResult normalize_postgres(std::string_view sql, KeyBuffer& out);
NormalizeResult normalize_mysql(std::string_view sql, MysqlLexOptions options, KeyBuffer& out);

}  // namespace sw::parsers::detail
