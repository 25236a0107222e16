#include "proxy/mysql/codec/special_statements.hpp"

#include <cctype>

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

}  // namespace sw::mysql
