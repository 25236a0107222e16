#include "parsers/statement.hpp"

namespace sw::parsers {

const char* statement_kind_name(StatementKind kind) noexcept {
  switch (kind) {
    case StatementKind::unknown:
      return "unknown";
    case StatementKind::select:
      return "select";
    case StatementKind::insert:
      return "insert";
    case StatementKind::update:
      return "update";
    case StatementKind::delete_:
      return "delete";
    case StatementKind::merge:
      return "merge";
    case StatementKind::show:
      return "show";
    case StatementKind::describe:
      return "describe";
    case StatementKind::explain:
      return "explain";
    case StatementKind::set:
      return "set";
    case StatementKind::txn:
      return "txn";
    case StatementKind::ddl:
      return "ddl";
    case StatementKind::dcl:
      return "dcl";
    case StatementKind::copy:
      return "copy";
    case StatementKind::load:
      return "load";
    case StatementKind::call:
      return "call";
    case StatementKind::prepare:
      return "prepare";
    case StatementKind::other:
      return "other";
  }
  return "unknown";
}

}  // namespace sw::parsers
