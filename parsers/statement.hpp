#pragma once
// The statement model shared by both dialects: what a request holds, as far
// as policy, audit and pooling need to know. Produced by the PostgreSQL
// analyzer (libpg_query AST) and the MySQL classifier (own lexer).
#include <cstdint>
#include <string>
#include <vector>

namespace sw::parsers {

enum class Dialect { postgres, mysql };

enum class StatementKind : std::uint8_t {
  unknown,
  select,
  insert,
  update,
  delete_,
  merge,
  show,
  describe,
  explain,
  set,
  txn,
  ddl,
  dcl,
  copy,
  load,
  call,
  prepare,
  other,
};

const char* statement_kind_name(StatementKind kind) noexcept;

}  // namespace sw::parsers
