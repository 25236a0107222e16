#include "parsers/pg_analyzer.hpp"

#include "parsers/pg_lexer.hpp"
#include "parsers/token.hpp"

#include <cstring>
#include <string>

#include <pg_query.h>
#include <pg_query/pg_query.pb-c.h>

namespace sw::parsers {

namespace {

constexpr int kMaxDepth = 4000;

template <class F>
void for_each_child(const ProtobufCMessage* m, F&& f) {
  const ProtobufCMessageDescriptor* desc = m->descriptor;
  const char* base = reinterpret_cast<const char*>(m);
  for (unsigned i = 0; i < desc->n_fields; ++i) {
    const ProtobufCFieldDescriptor& fd = desc->fields[i];
    if (fd.type != PROTOBUF_C_TYPE_MESSAGE) continue;
    if (fd.label == PROTOBUF_C_LABEL_REPEATED) {
      std::size_t n = 0;
      std::memcpy(&n, base + fd.quantifier_offset, sizeof n);
      ProtobufCMessage** items = nullptr;
      std::memcpy(&items, base + fd.offset, sizeof items);
      for (std::size_t j = 0; j < n && items; ++j)
        if (items[j]) f(items[j]);
      continue;
    }
    if (fd.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      std::uint32_t which = 0;
      std::memcpy(&which, base + fd.quantifier_offset, sizeof which);
      if (which != fd.id) continue;
    }
    ProtobufCMessage* child = nullptr;
    std::memcpy(&child, base + fd.offset, sizeof child);
    if (child) f(child);
  }
}

// The message a Node wrapper holds (Node is a oneof of every node type).
const ProtobufCMessage* unwrap(const ProtobufCMessage* m) {
  if (!m || m->descriptor != &pg_query__node__descriptor) return m;
  const ProtobufCMessage* inner = nullptr;
  for_each_child(m, [&](const ProtobufCMessage* c) { inner = c; });
  return inner;
}

bool is(const ProtobufCMessage* m, const ProtobufCMessageDescriptor& d) {
  return m && m->descriptor == &d;
}

std::string_view str(const char* s) {
  return s ? std::string_view(s) : std::string_view();
}

StatementKind kind_of(const ProtobufCMessage* stmt, std::string& tag) {
  if (!stmt) return StatementKind::unknown;
  std::string_view n = stmt->descriptor->short_name;
  tag = std::string(n.ends_with("Stmt") ? n.substr(0, n.size() - 4) : n);
  struct Entry {
    std::string_view name;
    StatementKind kind;
  };
  static constexpr Entry kKinds[] = {
      {"SelectStmt", StatementKind::select},
      {"InsertStmt", StatementKind::insert},
      {"UpdateStmt", StatementKind::update},
      {"DeleteStmt", StatementKind::delete_},
      {"MergeStmt", StatementKind::merge},
      {"VariableShowStmt", StatementKind::show},
      {"VariableSetStmt", StatementKind::set},
      {"AlterSystemStmt", StatementKind::admin},
      {"TransactionStmt", StatementKind::txn},
      {"ConstraintsSetStmt", StatementKind::txn},
      {"ExplainStmt", StatementKind::explain},
      {"CopyStmt", StatementKind::copy},
      {"CallStmt", StatementKind::call},
      {"PrepareStmt", StatementKind::prepare},
      {"ExecuteStmt", StatementKind::prepare},
      {"DeallocateStmt", StatementKind::prepare},
      {"DoStmt", StatementKind::do_},
      {"ListenStmt", StatementKind::notify},
      {"UnlistenStmt", StatementKind::notify},
      {"NotifyStmt", StatementKind::notify},
      {"DiscardStmt", StatementKind::admin},
      {"LoadStmt", StatementKind::admin},
      {"LockStmt", StatementKind::lock},
      {"VacuumStmt", StatementKind::maintenance},
      {"ReindexStmt", StatementKind::maintenance},
      {"ClusterStmt", StatementKind::maintenance},
      {"CheckPointStmt", StatementKind::maintenance},
      {"RefreshMatViewStmt", StatementKind::maintenance},
      {"GrantStmt", StatementKind::dcl},
      {"GrantRoleStmt", StatementKind::dcl},
      {"CreateRoleStmt", StatementKind::dcl},
      {"AlterRoleStmt", StatementKind::dcl},
      {"AlterRoleSetStmt", StatementKind::dcl},
      {"DropRoleStmt", StatementKind::dcl},
      {"AlterDefaultPrivilegesStmt", StatementKind::dcl},
      {"ReassignOwnedStmt", StatementKind::dcl},
      {"DropOwnedStmt", StatementKind::dcl},
      {"CreateUserMappingStmt", StatementKind::dcl},
      {"AlterUserMappingStmt", StatementKind::dcl},
      {"DropUserMappingStmt", StatementKind::dcl},
      {"CreateTableAsStmt", StatementKind::ddl},
      {"DeclareCursorStmt", StatementKind::other},
      {"FetchStmt", StatementKind::other},
      {"ClosePortalStmt", StatementKind::other},
  };
  for (const auto& e : kKinds)
    if (n == e.name) return e.kind;
  for (std::string_view prefix : {"Create", "Alter", "Drop", "Define", "Comment", "Rename",
                                  "Truncate", "Import", "SecLabel", "CompositeType", "Composite"})
    if (n.starts_with(prefix)) return StatementKind::ddl;
  return StatementKind::other;
}

struct Walker {
  Statement& st;
  const ProtobufCMessage* top = nullptr;
  bool too_deep = false;

  void names_from_list(ProtobufCMessage* const* items, std::size_t n, QualifiedName& out) {
    // [catalog.]schema.name as String nodes; keep the last two (three).
    std::string parts[3];
    std::size_t count = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const ProtobufCMessage* s = unwrap(items[i]);
      if (!is(s, pg_query__string__descriptor)) continue;
      std::string v(str(reinterpret_cast<const PgQuery__String*>(s)->sval));
      if (count < 3) {
        parts[count++] = std::move(v);
      } else {
        parts[0] = std::move(parts[1]);
        parts[1] = std::move(parts[2]);
        parts[2] = std::move(v);
      }
    }
    if (count == 0) return;
    out.name = parts[count - 1];
    if (count >= 2) out.schema = parts[count - 2];
    if (count >= 3) out.catalog = parts[0];
  }

  void visit(const ProtobufCMessage* m, int depth) {
    if (depth > kMaxDepth) {
      too_deep = true;
      return;
    }
    if (is(m, pg_query__func_call__descriptor)) {
      auto* fc = reinterpret_cast<const PgQuery__FuncCall*>(m);
      QualifiedName name;
      names_from_list(reinterpret_cast<ProtobufCMessage* const*>(fc->funcname), fc->n_funcname,
                      name);
      st.functions.push_back(std::move(name));
    } else if (is(m, pg_query__range_table_sample__descriptor)) {
      auto* ts = reinterpret_cast<const PgQuery__RangeTableSample*>(m);
      QualifiedName name;
      names_from_list(reinterpret_cast<ProtobufCMessage* const*>(ts->method), ts->n_method, name);
      st.functions.push_back(std::move(name));
    } else if (is(m, pg_query__range_var__descriptor)) {
      auto* rv = reinterpret_cast<const PgQuery__RangeVar*>(m);
      st.tables.push_back(QualifiedName{std::string(str(rv->schemaname)),
                                        std::string(str(rv->relname)),
                                        std::string(str(rv->catalogname))});
    } else if (is(m, pg_query__select_stmt__descriptor)) {
      auto* sel = reinterpret_cast<const PgQuery__SelectStmt*>(m);
      if (sel->into_clause) st.select_into = true;
      if (sel->n_locking_clause > 0) st.locking = true;
    } else if (m != top && (is(m, pg_query__insert_stmt__descriptor) ||
                            is(m, pg_query__update_stmt__descriptor) ||
                            is(m, pg_query__delete_stmt__descriptor) ||
                            is(m, pg_query__merge_stmt__descriptor))) {
      st.modifying_cte = true;
    }
    for_each_child(m, [&](const ProtobufCMessage* c) { visit(c, depth + 1); });
  }
};

bool explain_analyze(const PgQuery__ExplainStmt* ex) {
  for (std::size_t i = 0; i < ex->n_options; ++i) {
    const ProtobufCMessage* o = unwrap(reinterpret_cast<const ProtobufCMessage*>(ex->options[i]));
    if (!is(o, pg_query__def_elem__descriptor)) continue;
    auto* d = reinterpret_cast<const PgQuery__DefElem*>(o);
    if (!iequals(str(d->defname), "analyze")) continue;
    const ProtobufCMessage* arg = unwrap(reinterpret_cast<const ProtobufCMessage*>(d->arg));
    if (!arg) return true;
    // Only an explicit false/off/0 turns it off; anything else counts as on.
    if (is(arg, pg_query__string__descriptor)) {
      std::string_view v = str(reinterpret_cast<const PgQuery__String*>(arg)->sval);
      if (iequals(v, "false") || iequals(v, "off") || v == "0" || iequals(v, "no")) continue;
      return true;
    }
    if (is(arg, pg_query__integer__descriptor)) {
      if (reinterpret_cast<const PgQuery__Integer*>(arg)->ival == 0) continue;
      return true;
    }
    if (is(arg, pg_query__boolean__descriptor)) {
      if (!reinterpret_cast<const PgQuery__Boolean*>(arg)->boolval) continue;
      return true;
    }
    return true;
  }
  return false;
}

bool writes_by_function(const QualifiedName& f) {
  for (std::string_view w : {"nextval", "setval", "txid_current", "pg_current_xact_id"})
    if (iequals(f.name, w)) return true;
  return false;
}

// "DROP TABLE", "CREATE INDEX", …: the statement's first two words, for
// messages.
std::string leading_words(std::string_view sql, int location, int length) {
  if (location < 0 || static_cast<std::size_t>(location) > sql.size()) return {};
  std::string_view text = sql.substr(static_cast<std::size_t>(location));
  if (length > 0) text = text.substr(0, static_cast<std::size_t>(length));
  PgLexer lexer(text);
  Token t;
  std::string out;
  for (int words = 0; words < 2 && lexer.next(t) && t.kind == TokenKind::word; ++words) {
    if (!out.empty()) out.push_back(' ');
    for (char c : t.text(text)) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
  }
  return out;
}

}  // namespace

void analyze_postgres(std::string_view sql, Analysis& analysis) {
  analysis.statements.clear();
  if (sql.find('\0') != std::string_view::npos) {
    analysis.parsed = false;
    analysis.error = "NUL byte in statement text";
    return;
  }
  std::string text(sql);
  PgQueryProtobufParseResult res = pg_query_parse_protobuf(text.c_str());
  if (res.error) {
    analysis.parsed = false;
    analysis.error = res.error->message ? res.error->message : "syntax error";
    pg_query_free_protobuf_parse_result(res);
    return;
  }
  PgQuery__ParseResult* tree = pg_query__parse_result__unpack(
      nullptr, res.parse_tree.len, reinterpret_cast<const std::uint8_t*>(res.parse_tree.data));
  pg_query_free_protobuf_parse_result(res);
  if (!tree) {
    analysis.parsed = false;
    analysis.error = "cannot decode parse tree";
    return;
  }
  analysis.parsed = true;
  for (std::size_t i = 0; i < tree->n_stmts; ++i) {
    Statement st;
    if (!tree->stmts[i]) continue;
    const ProtobufCMessage* stmt =
        unwrap(reinterpret_cast<const ProtobufCMessage*>(tree->stmts[i]->stmt));
    st.kind = kind_of(stmt, st.tag);
    if (std::string words =
            leading_words(sql, tree->stmts[i]->stmt_location, tree->stmts[i]->stmt_len);
        !words.empty())
      st.tag = std::move(words);
    const ProtobufCMessage* subject = stmt;
    if (st.kind == StatementKind::explain) {
      auto* ex = reinterpret_cast<const PgQuery__ExplainStmt*>(stmt);
      st.explain_executes = explain_analyze(ex);
      subject = unwrap(reinterpret_cast<const ProtobufCMessage*>(ex->query));
      std::string inner_tag;
      st.explained = kind_of(subject, inner_tag);
      if (subject && is(subject, pg_query__select_stmt__descriptor) &&
          reinterpret_cast<const PgQuery__SelectStmt*>(subject)->into_clause)
        st.explained = StatementKind::ddl;
    }
    Walker w{st, subject};
    if (stmt) w.visit(stmt, 0);
    if (w.too_deep) {
      st.unsupported = true;
      st.unsupported_reason = "statement nested too deeply";
    }
    if (st.kind == StatementKind::select && st.select_into) {
      st.kind = StatementKind::ddl;
      st.tag = "SELECT INTO";
    }
    StatementKind effective = st.kind == StatementKind::explain ? st.explained : st.kind;
    st.writes = effective == StatementKind::insert || effective == StatementKind::update ||
                effective == StatementKind::delete_ || effective == StatementKind::merge ||
                st.modifying_cte;
    for (const auto& f : st.functions)
      if (writes_by_function(f)) st.writes = true;
    analysis.statements.push_back(std::move(st));
  }
  pg_query__parse_result__free_unpacked(tree, nullptr);
}

}  // namespace sw::parsers
