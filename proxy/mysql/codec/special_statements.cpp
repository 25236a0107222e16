#include "proxy/mysql/codec/special_statements.hpp"

#include <cctype>
#include <vector>

#include "parsers/mysql_lexer.hpp"

namespace sw::mysql {

namespace {

class Words {
 public:
  explicit Words(std::string_view s) : s_(s) {}

  // Skips whitespace and comments (not executable /*! comments, which are code).
  bool skip_space() {
    for (;;) {
      while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (pos_ >= s_.size()) return true;
      std::string_view rest = s_.substr(pos_);
      if (rest.starts_with("/*") && !rest.starts_with("/*!") && !rest.starts_with("/*M!")) {
        auto end = s_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return false;
        pos_ = end + 2;
      } else if (rest[0] == '#' || (rest.starts_with("--") && rest.size() > 2 &&
                                    std::isspace(static_cast<unsigned char>(rest[2])))) {
        auto end = s_.find('\n', pos_);
        pos_ = end == std::string_view::npos ? s_.size() : end + 1;
      } else {
        return true;
      }
    }
  }

  std::string_view word() {
    if (!skip_space()) return {};
    std::size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      ++pos_;
    return s_.substr(start, pos_ - start);
  }

  // Consumes `c` (after whitespace/comments) when it comes next.
  bool punct(char c) {
    if (!skip_space() || pos_ >= s_.size() || s_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  std::string_view peek() {
    std::size_t save = pos_;
    auto w = word();
    pos_ = save;
    return w;
  }

  // Only `;` and whitespace/comments may follow.
  bool at_end() {
    if (!skip_space()) return false;
    if (pos_ < s_.size() && s_[pos_] == ';') {
      ++pos_;
      if (!skip_space()) return false;
    }
    return pos_ >= s_.size();
  }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

KillParse parse_kill_statement(std::string_view sql, KillStatement& out) {
  Words w(sql);
  if (!iequals(w.word(), "kill")) return KillParse::not_kill;
  out = KillStatement{};
  auto next = w.word();
  if (iequals(next, "hard") || iequals(next, "soft")) {
    out.hard = iequals(next, "hard");
    next = w.word();
  }
  if (iequals(next, "query")) {
    out.query_only = true;
    next = w.word();
  } else if (iequals(next, "connection")) {
    next = w.word();
  }
  if (iequals(next, "connection_id")) {
    // The server wants no space before the parenthesis unless IGNORE_SPACE
    // is set; accepting it always refuses nothing the server would run.
    if (!w.punct('(') || !w.punct(')') || !w.at_end()) return KillParse::unsupported;
    out.self = true;
    return KillParse::kill;
  }
  if (next.empty() || next.size() > 19) return KillParse::unsupported;
  std::uint64_t id = 0;
  for (char c : next) {
    if (c < '0' || c > '9') return KillParse::unsupported;  // KILL USER x, KILL QUERY ID n, @var
    id = id * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (!w.at_end()) return KillParse::unsupported;
  out.id = id;
  return KillParse::kill;
}

bool batch_kills_by_number(std::string_view sql, bool no_backslash_escapes) {
  if (sql.find(';') == std::string_view::npos) return false;  // one statement
  parsers::MysqlLexer lexer(sql, {no_backslash_escapes, false});
  std::vector<std::string_view> words;  // the current statement's first words
  int statements = 0;
  bool numbered_kill = false;
  auto end_statement = [&] {
    if (!words.empty()) ++statements;
    if (!words.empty() && iequals(words[0], "kill")) {
      // KILL [HARD|SOFT] [QUERY|CONNECTION] CONNECTION_ID ( ) is safe.
      bool self = false;
      for (auto w : words) self = self || iequals(w, "connection_id");
      numbered_kill = numbered_kill || !self;
    }
    words.clear();
  };
  parsers::Token t;
  while (lexer.next(t)) {
    if (t.kind == parsers::TokenKind::semicolon) {
      end_statement();
      continue;
    }
    if (t.kind == parsers::TokenKind::exec_begin || t.kind == parsers::TokenKind::exec_end ||
        t.kind == parsers::TokenKind::version_begin)
      continue;  // executable comments are code
    if (words.size() < 8) words.push_back(t.text(sql));
  }
  end_statement();
  return statements > 1 && numbered_kill;
}

}  // namespace sw::mysql
