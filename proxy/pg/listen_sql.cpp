#include "proxy/pg/listen_sql.hpp"

#include <algorithm>
#include <iterator>

namespace sw::pg {

namespace {

constexpr std::size_t kNameMax = 63;  // NAMEDATALEN - 1

// Words that cannot be a ColId (PostgreSQL's reserved and type/function
// name keywords): `LISTEN select` is a syntax error on the server, so it
// goes there.
constexpr std::string_view kReserved =
    " all analyse analyze and any array as asc asymmetric authorization "
    " binary both case cast check collate collation column concurrently "
    " constraint create cross current_catalog current_date current_role "
    " current_schema current_time current_timestamp current_user default "
    " deferrable desc distinct do else end except false fetch for foreign "
    " freeze from full grant group having ilike in initially inner "
    " intersect into is isnull join lateral leading left like limit "
    " localtime localtimestamp natural not notnull null offset on only or "
    " order outer overlaps placing primary references returning right "
    " select session_user similar some symmetric system_user table "
    " tablesample then to trailing true union unique user using variadic "
    " verbose when where window with ";

struct Token {
  enum class Kind { word, quoted, star, semicolon };
  Kind kind;
  std::string text;  // word: lower-cased; quoted: the name
};

bool ident_start(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}
bool ident_cont(unsigned char c) {
  return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

// Truncates to NAMEDATALEN - 1 bytes without splitting a UTF-8 character,
// as the server's pg_mbcliplen does.
void truncate_name(std::string& s) {
  if (s.size() <= kNameMax) return;
  std::size_t n = kNameMax;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
}

// Tokens of a short statement; nullopt on anything this grammar does not
// need (literals, operators, U&"..." names, unterminated comments).
std::optional<std::vector<Token>> tokenize(std::string_view sql) {
  std::vector<Token> out;
  std::size_t i = 0;
  const std::size_t n = sql.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(sql[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
      while (i < n && sql[i] != '\n' && sql[i] != '\r') ++i;
    } else if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
      int depth = 0;
      do {
        if (i + 1 < n && sql[i] == '/' && sql[i + 1] == '*') {
          ++depth;
          i += 2;
        } else if (i + 1 < n && sql[i] == '*' && sql[i + 1] == '/') {
          --depth;
          i += 2;
        } else if (i < n) {
          ++i;
        } else {
          return std::nullopt;
        }
      } while (depth > 0);
    } else if (c == '"') {
      std::string name;
      ++i;
      for (;;) {
        if (i >= n) return std::nullopt;
        if (sql[i] == '"') {
          if (i + 1 < n && sql[i + 1] == '"') {
            name.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        name.push_back(sql[i++]);
      }
      if (name.empty()) return std::nullopt;  // zero-length name: the server's error
      truncate_name(name);
      out.push_back({Token::Kind::quoted, std::move(name)});
    } else if (ident_start(c)) {
      std::string word;
      while (i < n && ident_cont(static_cast<unsigned char>(sql[i]))) {
        char ch = sql[i++];
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        word.push_back(ch);
      }
      // U&"..." (unicode escapes) is left to the server.
      if (word == "u" && i < n && sql[i] == '&') return std::nullopt;
      truncate_name(word);
      out.push_back({Token::Kind::word, std::move(word)});
    } else if (c == '*') {
      out.push_back({Token::Kind::star, "*"});
      ++i;
    } else if (c == ';') {
      out.push_back({Token::Kind::semicolon, ";"});
      ++i;
    } else {
      return std::nullopt;
    }
  }
  // One statement: at most one semicolon, at the end.
  if (!out.empty() && out.back().kind == Token::Kind::semicolon) out.pop_back();
  for (const auto& t : out)
    if (t.kind == Token::Kind::semicolon) return std::nullopt;
  return out;
}

bool is_word(const Token& t, std::string_view w) {
  return t.kind == Token::Kind::word && t.text == w;
}

// A ColId: a quoted name, or a word that is not reserved.
std::optional<std::string> col_id(const Token& t) {
  if (t.kind == Token::Kind::quoted) return t.text;
  if (t.kind != Token::Kind::word) return std::nullopt;
  if (kReserved.find(" " + t.text + " ") != std::string_view::npos) return std::nullopt;
  return t.text;
}

}  // namespace

std::optional<ListenOp> parse_listen(std::string_view sql) {
  // Runs on every simple Query of a pooled client without a server
  // connection: most are rejected on their first character, unallocated.
  auto first = sql.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string_view::npos || sql.size() > 4096) return std::nullopt;
  char c = sql[first];
  if (c != 'l' && c != 'L' && c != 'u' && c != 'U' && c != '/' && c != '-') return std::nullopt;
  auto tokens = tokenize(sql);
  if (!tokens || tokens->size() != 2) return std::nullopt;
  const auto& t = *tokens;
  if (is_word(t[0], "unlisten") && t[1].kind == Token::Kind::star)
    return ListenOp{ListenOp::Kind::unlisten_all, {}};
  bool listen = is_word(t[0], "listen");
  if (!listen && !is_word(t[0], "unlisten")) return std::nullopt;
  auto name = col_id(t[1]);
  if (!name) return std::nullopt;
  return ListenOp{listen ? ListenOp::Kind::listen : ListenOp::Kind::unlisten, std::move(*name)};
}

std::optional<SavepointOp> parse_savepoint(std::string_view sql) {
  if (sql.size() > 1024) return std::nullopt;
  auto tokens = tokenize(sql);
  if (!tokens || tokens->empty()) return std::nullopt;
  const auto& t = *tokens;
  std::size_t i = 1;
  SavepointOp op;
  if (is_word(t[0], "savepoint")) {
    op.kind = SavepointOp::Kind::savepoint;
  } else if (is_word(t[0], "release")) {
    op.kind = SavepointOp::Kind::release;
    if (i < t.size() && is_word(t[i], "savepoint") && i + 1 < t.size()) ++i;
  } else if (is_word(t[0], "rollback")) {
    op.kind = SavepointOp::Kind::rollback_to;
    if (i < t.size() && (is_word(t[i], "work") || is_word(t[i], "transaction"))) ++i;
    if (i >= t.size() || !is_word(t[i], "to")) return std::nullopt;
    ++i;
    if (i < t.size() && is_word(t[i], "savepoint") && i + 1 < t.size()) ++i;
  } else {
    return std::nullopt;
  }
  if (i + 1 != t.size()) return std::nullopt;
  auto name = col_id(t[i]);
  if (!name) return std::nullopt;
  op.name = std::move(*name);
  return op;
}

std::string quote_channel(std::string_view channel) {
  std::string out = "\"";
  for (char c : channel) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void ListenTransaction::apply(const SavepointOp& op) {
  if (op.kind == SavepointOp::Kind::savepoint) {
    savepoints_.emplace_back(op.name, ops_.size());
    return;
  }
  // The most recent savepoint of that name (the server errors on an unknown
  // one, and then this is not called).
  auto it = std::find_if(savepoints_.rbegin(), savepoints_.rend(),
                         [&](const auto& s) { return s.first == op.name; });
  if (it == savepoints_.rend()) return;
  std::size_t at = static_cast<std::size_t>(std::distance(it, savepoints_.rend())) - 1;
  if (op.kind == SavepointOp::Kind::release) {
    savepoints_.resize(at);  // it and the later ones; their operations stay
  } else {
    ops_.resize(savepoints_[at].second);  // ROLLBACK TO keeps the savepoint itself
    savepoints_.resize(at + 1);
  }
}

std::vector<ListenOp> ListenTransaction::commit() {
  std::vector<ListenOp> out = std::move(ops_);
  ops_.clear();
  savepoints_.clear();
  return out;
}

void ListenTransaction::rollback() {
  ops_.clear();
  savepoints_.clear();
}

void ListenTransaction::apply(const std::vector<ListenOp>& ops, std::set<std::string>& channels) {
  for (const auto& op : ops) {
    switch (op.kind) {
      case ListenOp::Kind::listen:
        channels.insert(op.channel);
        break;
      case ListenOp::Kind::unlisten:
        channels.erase(op.channel);
        break;
      case ListenOp::Kind::unlisten_all:
        channels.clear();
        break;
    }
  }
}

}  // namespace sw::pg
