#include "parsers/mysql_classifier.hpp"

#include <initializer_list>
#include <string>

namespace sw::parsers {

namespace {

bool one_of(std::string_view w, std::initializer_list<std::string_view> words) {
  for (auto x : words)
    if (iequals(w, x)) return true;
  return false;
}

// Words that end a table reference (so they are not taken for an alias).
bool ends_table_ref(std::string_view w) {
  return one_of(w,
                {"where",        "join",   "on",        "group",     "order",       "limit",
                 "left",         "right",  "inner",     "cross",     "natural",     "straight_join",
                 "union",        "set",    "values",    "value",     "select",      "partition",
                 "use",          "ignore", "force",     "having",    "window",      "for",
                 "lock",         "into",   "using",     "procedure", "returning",   "outer",
                 "full",         "except", "intersect", "with",      "read",        "write",
                 "low_priority", "local",  "default",   "as",        "tablesample", "natural",
                 "from",         "fields", "columns",   "character", "like",        "in",
                 "nowait",       "skip",   "wait",      "do",        "on",          "where"});
}

// Keywords that are followed by '(' without being function calls.
bool is_paren_keyword(std::string_view w) {
  return one_of(w, {"in",      "values", "value", "exists",     "as",        "and",    "or",
                    "not",     "on",     "using", "into",       "from",      "where",  "select",
                    "any",     "all",    "some",  "over",       "partition", "key",    "index",
                    "primary", "unique", "check", "references", "foreign",   "table",  "join",
                    "when",    "then",   "else",  "case",       "interval",  "by",     "with",
                    "returns", "is",     "xor",   "div",        "mod",       "like",   "between",
                    "set",     "limit",  "union", "except",     "intersect", "having", "recursive",
                    "lateral"});
}

class Classifier {
 public:
  Classifier(std::string_view sql, const std::vector<Token>& toks, std::size_t begin,
             std::size_t end, Statement& st)
      : sql_(sql), toks_(toks), b_(begin), e_(end), st_(st) {}

  void run() {
    classify();
    scan_body();
    finish();
  }

 private:
  std::string_view text(std::size_t i) const { return toks_[i].text(sql_); }
  bool word(std::size_t i) const { return i < e_ && toks_[i].kind == TokenKind::word; }
  bool kw(std::size_t i, std::string_view k) const { return word(i) && iequals(text(i), k); }
  bool punct(std::size_t i, char c) const {
    return i < e_ && toks_[i].kind == TokenKind::punct && text(i).size() == 1 && text(i)[0] == c;
  }
  bool name_token(std::size_t i) const {
    return i < e_ && (toks_[i].kind == TokenKind::word || toks_[i].kind == TokenKind::quoted_ident);
  }

  std::string name_text(std::size_t i) const {
    std::string_view t = text(i);
    if (toks_[i].kind != TokenKind::quoted_ident) return std::string(t);
    char q = t[0];
    std::string out;
    for (std::size_t k = 1; k + 1 < t.size(); ++k) {
      out.push_back(t[k]);
      if (t[k] == q && k + 2 < t.size() && t[k + 1] == q) ++k;
    }
    return out;
  }

  static bool dml_verb(std::string_view w) {
    return one_of(w,
                  {"select", "insert", "update", "delete", "replace", "with", "table", "values"});
  }

  StatementKind verb_kind(std::string_view w) const {
    if (one_of(w, {"select", "with", "table", "values"})) return StatementKind::select;
    if (iequals(w, "insert")) return StatementKind::insert;
    if (iequals(w, "update")) return StatementKind::update;
    if (iequals(w, "delete")) return StatementKind::delete_;
    if (iequals(w, "replace")) return StatementKind::replace;
    return StatementKind::unknown;
  }

  // For WITH: the verb after the CTE list, at parenthesis depth 0.
  StatementKind with_kind(std::size_t from) const {
    int depth = 0;
    for (std::size_t i = from; i < e_; ++i) {
      if (punct(i, '(')) ++depth;
      if (punct(i, ')')) --depth;
      if (depth == 0 && word(i) &&
          one_of(text(i), {"select", "insert", "update", "delete", "replace", "table", "values"}))
        return verb_kind(text(i));
    }
    return StatementKind::unknown;
  }

  // LOAD DATA|XML [LOW_PRIORITY|CONCURRENT] LOCAL INFILE 'file', from the
  // word after LOAD.
  void load_local(std::size_t i) {
    if (!kw(i, "data") && !kw(i, "xml")) return;
    ++i;
    if (kw(i, "low_priority") || kw(i, "concurrent")) ++i;
    if (!kw(i, "local")) return;
    st_.local_infile = true;
    if (kw(i + 1, "infile") && i + 2 < e_ && toks_[i + 2].kind == TokenKind::string)
      st_.local_file = std::string(text(i + 2));
  }

  // EXPLAIN/DESCRIBE/ANALYZE at `i` (after the leading word): options, then
  // either a statement (explain) or a table (describe).
  void explain_like(std::size_t i, bool executes) {
    while (i < e_) {
      if (kw(i, "extended") || kw(i, "partitions")) {
        ++i;
      } else if (kw(i, "analyze")) {
        executes = true;
        ++i;
      } else if (kw(i, "format") && i + 2 < e_ && toks_[i + 1].kind == TokenKind::op &&
                 text(i + 1) == "=") {
        i += 3;
      } else {
        break;
      }
    }
    std::size_t j = i;
    while (punct(j, '(')) ++j;
    if (word(j) && dml_verb(text(j))) {
      st_.kind = StatementKind::explain;
      st_.explain_executes = executes;
      st_.explained = iequals(text(j), "with") ? with_kind(j + 1) : verb_kind(text(j));
      return;
    }
    if (kw(i, "for")) {  // EXPLAIN FOR CONNECTION n
      st_.kind = StatementKind::explain;
      st_.unsupported = true;
      st_.unsupported_reason = "EXPLAIN FOR CONNECTION";
      return;
    }
    if (executes) {
      st_.kind = StatementKind::explain;
      st_.unsupported = true;
      st_.unsupported_reason = "ANALYZE of an unknown statement";
      return;
    }
    st_.kind = StatementKind::describe;
    read_table(i);
  }

  void classify() {
    std::size_t i = b_;
    while (punct(i, '(')) ++i;
    if (!word(i)) {
      st_.kind = StatementKind::unknown;
      st_.unsupported = true;
      st_.unsupported_reason = "statement does not start with a keyword";
      return;
    }
    std::string_view w = text(i);
    st_.tag = std::string(w);
    if (word(i + 1)) {
      st_.tag.push_back(' ');
      st_.tag.append(text(i + 1));
    }
    for (char& c : st_.tag) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    auto next_is = [&](std::initializer_list<std::string_view> ws) {
      return word(i + 1) && one_of(text(i + 1), ws);
    };
    if (one_of(w, {"select", "values", "table"})) {
      st_.kind = StatementKind::select;
    } else if (iequals(w, "with")) {
      st_.kind = with_kind(i + 1);
      if (st_.kind == StatementKind::unknown) {
        st_.unsupported = true;
        st_.unsupported_reason = "WITH without a statement";
      }
    } else if (one_of(w, {"insert", "update", "delete", "replace"})) {
      st_.kind = verb_kind(w);
    } else if (iequals(w, "show")) {
      st_.kind = StatementKind::show;
    } else if (one_of(w, {"describe", "desc", "explain"})) {
      explain_like(i + 1, false);
    } else if (iequals(w, "analyze")) {
      if (next_is({"table", "tables", "no_write_to_binlog", "local"})) {
        st_.kind = StatementKind::maintenance;
      } else {
        explain_like(i + 1, true);
      }
    } else if (iequals(w, "set")) {
      st_.kind = StatementKind::set;
    } else if (iequals(w, "start")) {
      st_.kind = next_is({"transaction"}) ? StatementKind::txn : StatementKind::admin;
    } else if (iequals(w, "begin")) {
      st_.kind = StatementKind::txn;
      if (next_is({"not"})) {
        st_.kind = StatementKind::other;
        st_.unsupported = true;
        st_.unsupported_reason = "compound statement";
      }
    } else if (one_of(w, {"commit", "rollback", "savepoint", "release", "xa"})) {
      st_.kind = StatementKind::txn;
    } else if (one_of(w, {"create", "alter", "drop", "rename"})) {
      st_.kind = StatementKind::ddl;
      // CREATE/ALTER/DROP/RENAME USER|ROLE manage accounts.
      for (std::size_t k = i + 1; k < e_ && k < i + 4; ++k)
        if (kw(k, "user") || kw(k, "role")) st_.kind = StatementKind::dcl;
      if (iequals(w, "drop") && next_is({"prepare"})) st_.kind = StatementKind::prepare;
      for (std::size_t k = i + 1; k < e_; ++k)
        if (kw(k, "begin")) {
          st_.unsupported = true;
          st_.unsupported_reason = "compound statement";
        }
    } else if (iequals(w, "truncate")) {
      st_.kind = StatementKind::ddl;
    } else if (one_of(w, {"grant", "revoke"})) {
      st_.kind = StatementKind::dcl;
    } else if (iequals(w, "load")) {
      st_.kind = next_is({"index"}) ? StatementKind::maintenance : StatementKind::load;
      if (st_.kind == StatementKind::load) load_local(i + 1);
    } else if (iequals(w, "call")) {
      st_.kind = StatementKind::call;
    } else if (one_of(w, {"prepare", "execute", "deallocate"})) {
      st_.kind = StatementKind::prepare;
    } else if (iequals(w, "use")) {
      st_.kind = StatementKind::use;
      if (name_token(i + 1)) st_.use_database = name_text(i + 1);
    } else if (one_of(w, {"lock", "unlock"})) {
      st_.kind = StatementKind::lock;
    } else if (iequals(w, "handler")) {
      st_.kind = StatementKind::handler;
    } else if (iequals(w, "do")) {
      st_.kind = StatementKind::do_;
    } else if (one_of(w, {"kill", "flush", "shutdown", "reset", "purge", "install", "uninstall",
                          "change", "stop", "binlog", "cache", "backup", "restart"})) {
      st_.kind = StatementKind::admin;
    } else if (one_of(w, {"optimize", "repair", "check", "checksum"})) {
      st_.kind = StatementKind::maintenance;
    } else if (iequals(w, "help")) {
      st_.kind = StatementKind::help;
    } else if (iequals(w, "delimiter")) {
      st_.kind = StatementKind::client;
    } else if (one_of(w, {"get", "signal", "resignal", "declare", "open", "close", "fetch", "if",
                          "while", "loop", "repeat", "case", "return", "leave", "iterate"})) {
      st_.kind = StatementKind::other;
    } else {
      st_.kind = StatementKind::unknown;
      st_.unsupported = true;
      st_.unsupported_reason = "unknown statement";
    }
  }

  // Reads `[db.]name` at i; returns the index after it (i when no name).
  std::size_t read_table(std::size_t i) {
    if (!name_token(i)) return i;
    if (toks_[i].kind == TokenKind::word && (ends_table_ref(text(i)) || dml_verb(text(i))))
      return i;
    QualifiedName q;
    q.name = name_text(i);
    table_tok_.push_back(i);
    std::size_t j = i + 1;
    if (punct(j, '.') && name_token(j + 1)) {
      q.schema = std::move(q.name);
      q.name = name_text(j + 1);
      table_tok_.push_back(j + 1);
      j += 2;
    } else if (punct(j, '.') && j + 1 < e_ && toks_[j + 1].kind == TokenKind::op &&
               text(j + 1) == "*") {
      // DELETE t.* FROM …
      j += 2;
    }
    st_.tables.push_back(std::move(q));
    return j;
  }

  // A comma-separated list of table references with optional aliases;
  // `FROM (t1, t2)` and `FROM ((t))` are table lists too.
  void read_table_list(std::size_t i) {
    while (true) {
      while (punct(i, '(')) ++i;
      std::size_t j = read_table(i);
      if (j == i) return;
      if (kw(j, "as")) ++j;
      if (word(j) && !ends_table_ref(text(j)) && !dml_verb(text(j)))
        ++j;
      else if (j < e_ && toks_[j].kind == TokenKind::quoted_ident)
        ++j;
      while (punct(j, ')')) ++j;
      if (!punct(j, ',')) return;
      i = j + 1;
    }
  }

  bool is_table_token(std::size_t i) const {
    for (auto t : table_tok_)
      if (t == i) return true;
    return false;
  }

  void scan_body() {
    bool first_word_seen = false;
    for (std::size_t i = b_; i < e_; ++i) {
      const Token& t = toks_[i];
      // @v := … (and @@x := …, which the server rejects: fail closed anyway).
      std::size_t after = i + 1;
      if (t.kind == TokenKind::system_var && punct(after, '.') && name_token(after + 1))
        after += 2;  // @@session.x
      if ((t.kind == TokenKind::user_var || t.kind == TokenKind::system_var) && after < e_ &&
          toks_[after].kind == TokenKind::op && text(after) == ":=")
        st_.user_variable_assignment = true;
      if (t.kind != TokenKind::word) continue;
      std::string_view w = text(i);
      bool leading = !first_word_seen;
      first_word_seen = true;
      if (one_of(w, {"from", "join", "straight_join"})) {
        read_table_list(i + 1);
      } else if (iequals(w, "into")) {
        if (kw(i + 1, "outfile") || kw(i + 1, "dumpfile") ||
            (i + 1 < e_ && toks_[i + 1].kind == TokenKind::user_var) ||
            st_.kind == StatementKind::select ||
            (st_.kind == StatementKind::explain && st_.explained == StatementKind::select)) {
          st_.select_into = true;
        } else {
          read_table_list(i + 1);
        }
      } else if (iequals(w, "update") && i > b_ && kw(i - 1, "for")) {
        st_.locking = true;
      } else if (iequals(w, "update") && (leading || st_.kind == StatementKind::explain)) {
        std::size_t j = i + 1;
        while (kw(j, "low_priority") || kw(j, "ignore")) ++j;
        read_table_list(j);
      } else if (iequals(w, "share") && i > b_ && kw(i - 1, "for")) {
        st_.locking = true;
      } else if (iequals(w, "lock") && kw(i + 1, "in") && kw(i + 2, "share")) {
        st_.locking = true;
      } else if (one_of(w, {"insert", "replace"}) && leading) {
        std::size_t j = i + 1;
        while (kw(j, "low_priority") || kw(j, "delayed") || kw(j, "high_priority") ||
               kw(j, "ignore"))
          ++j;
        if (!kw(j, "into")) read_table_list(j);  // INSERT t VALUES … (INTO is optional)
      } else if (iequals(w, "delete") && leading) {
        std::size_t j = i + 1;
        while (kw(j, "low_priority") || kw(j, "quick") || kw(j, "ignore")) ++j;
        if (!kw(j, "from")) read_table_list(j);  // multi-table DELETE t1, t2 FROM …
      } else if (iequals(w, "using") && st_.kind == StatementKind::delete_ && !punct(i + 1, '(')) {
        read_table_list(i + 1);
      } else if (one_of(w, {"table", "tables"}) && !punct(i + 1, '(')) {
        read_table_list(i + 1);
      } else if (iequals(w, "next") && kw(i + 1, "value") && kw(i + 2, "for")) {
        st_.writes = true;
        st_.functions.push_back(QualifiedName{"", "nextval", ""});
      }
    }
    // Anything qualified by the `mysql` system schema names one of its
    // tables, wherever it stands (fails closed on odd table syntax).
    for (std::size_t i = b_; i + 2 < e_; ++i) {
      if (name_token(i) && punct(i + 1, '.') && name_token(i + 2) && !punct(i + 3, '(') &&
          iequals(name_text(i), "mysql") && !is_table_token(i + 2))
        st_.tables.push_back(QualifiedName{"mysql", name_text(i + 2), ""});
    }
    // Function calls: a name followed by '(' (spaces and comments allowed:
    // treating `sleep (1)` as a call fails closed under IGNORE_SPACE).
    for (std::size_t i = b_; i + 1 < e_; ++i) {
      if (!name_token(i) || !punct(i + 1, '(') || is_table_token(i)) continue;
      if (toks_[i].kind == TokenKind::word && is_paren_keyword(text(i))) continue;
      QualifiedName q;
      q.name = name_text(i);
      if (i >= b_ + 2 && punct(i - 1, '.') && name_token(i - 2)) q.schema = name_text(i - 2);
      st_.functions.push_back(std::move(q));
    }
  }

  void finish() {
    StatementKind effective = st_.kind == StatementKind::explain ? st_.explained : st_.kind;
    if (effective == StatementKind::insert || effective == StatementKind::update ||
        effective == StatementKind::delete_ || effective == StatementKind::replace)
      st_.writes = true;
    for (const auto& f : st_.functions)
      if (one_of(f.name, {"nextval", "setval", "lastval"})) st_.writes = true;
  }

  std::string_view sql_;
  const std::vector<Token>& toks_;
  std::size_t b_, e_;
  Statement& st_;
  std::vector<std::size_t> table_tok_;
};

}  // namespace

void analyze_mysql(std::string_view sql, MysqlLexOptions options, Analysis& analysis,
                   std::vector<Token>& toks) {
  analysis.statements.clear();
  toks.clear();
  MysqlLexer lexer(sql, options);
  Token t;
  bool versioned = false;
  while (lexer.next(t)) {
    switch (t.kind) {
      case TokenKind::version_begin:
        versioned = true;
        break;
      case TokenKind::exec_begin:
      case TokenKind::exec_end:
      case TokenKind::hint:
        break;  // code markers: what they hold is classified as ordinary tokens
      default:
        toks.push_back(t);
    }
  }
  analysis.versioned_comment = versioned;
  if (lexer.error() != LexError::none) {
    analysis.parsed = false;
    analysis.error = lex_error_message(lexer.error());
    return;
  }
  analysis.parsed = true;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= toks.size(); ++i) {
    if (i < toks.size() && toks[i].kind != TokenKind::semicolon) continue;
    if (i > begin) {
      Statement st;
      Classifier(sql, toks, begin, i, st).run();
      if (lexer.nested_comment()) {
        st.unsupported = true;
        st.unsupported_reason = "comment inside an executable comment";
      }
      if (lexer.semicolon_in_executable_comment()) {
        st.unsupported = true;
        st.unsupported_reason = "';' inside an executable comment";
      }
      analysis.statements.push_back(std::move(st));
    }
    begin = i + 1;
  }
}

}  // namespace sw::parsers
