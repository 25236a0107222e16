#pragma once
// The statement model shared by both dialects: what a request holds, as far
// as policy, audit and pooling need to know. Produced by the PostgreSQL
// analyzer (libpg_query AST) and the MySQL classifier (own lexer).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sw::parsers {

enum class Dialect { postgres, mysql };

enum class StatementKind : std::uint8_t {
  unknown,
  select,  // incl. WITH … SELECT, VALUES, TABLE t
  insert,
  update,
  delete_,
  merge,
  replace,  // MySQL REPLACE (delete + insert)
  show,
  describe,
  explain,
  set,  // SET / RESET of session or server settings
  txn,  // BEGIN, COMMIT, SAVEPOINT, XA …
  ddl,
  dcl,
  copy,
  load,  // LOAD DATA / LOAD XML
  call,
  prepare,  // PREPARE / EXECUTE / DEALLOCATE
  use,
  lock,         // LOCK / UNLOCK
  maintenance,  // VACUUM, ANALYZE, OPTIMIZE, REINDEX, CLUSTER, CHECKPOINT, REFRESH …
  notify,       // LISTEN / NOTIFY / UNLISTEN
  do_,          // DO (PostgreSQL anonymous block, MySQL DO expr)
  handler,      // MySQL HANDLER
  admin,        // KILL, FLUSH, SHUTDOWN, plugins, replication control, DISCARD …
  help,
  client,  // client-side commands that never reach a server (DELIMITER)
  other,
};
inline constexpr int kStatementKindCount = static_cast<int>(StatementKind::other) + 1;

const char* statement_kind_name(StatementKind kind) noexcept;
// Inverse of statement_kind_name ("delete" → delete_); unknown on no match.
StatementKind statement_kind_from_name(std::string_view name) noexcept;

// A possibly qualified object name as written (quotes removed; unquoted
// PostgreSQL names folded to lower case as the server does).
struct QualifiedName {
  std::string schema;  // PostgreSQL schema or MySQL database; empty when unqualified
  std::string name;
  std::string catalog;  // PostgreSQL database qualifier (rare); empty otherwise
  friend bool operator==(const QualifiedName&, const QualifiedName&) = default;
};

std::string to_string(const QualifiedName& name);

// One statement of a request.
struct Statement {
  StatementKind kind = StatementKind::unknown;
  // EXPLAIN (and MySQL DESCRIBE <stmt>, MariaDB ANALYZE <stmt>): what is explained.
  StatementKind explained = StatementKind::unknown;
  bool explain_executes = false;  // EXPLAIN ANALYZE / MariaDB ANALYZE: the statement runs
  bool writes = false;            // can change data when executed (DML, modifying CTE, nextval …)
  bool modifying_cte = false;     // WITH … INSERT/UPDATE/DELETE inside another statement
  bool locking = false;           // FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE
  bool select_into = false;       // SELECT … INTO table / OUTFILE / DUMPFILE / @var
  bool user_variable_assignment = false;  // MySQL @v := …
  // MySQL LOAD DATA|XML … LOCAL INFILE: the server will ask the client for
  // a file. `local_file` is the file-name literal as written (quotes and
  // escapes included; empty when it is not a plain string literal).
  bool local_infile = false;
  std::string local_file;
  bool unsupported = false;  // a construct the analyzer cannot judge: fail closed
  std::string unsupported_reason;
  std::string tag;  // command words for messages, e.g. "DROP TABLE"
  std::vector<QualifiedName> tables;
  std::vector<QualifiedName> functions;
  std::string use_database;  // MySQL USE db: the database named
};

// What a whole request (one Query / COM_QUERY text) holds.
struct Analysis {
  bool parsed = false;  // false: the parser rejected the text (see error)
  std::string error;
  // Statements as the policy counts them: every `;` ends one; a trailing
  // part that holds only comments is not a statement.
  std::uint32_t statement_count = 0;
  bool versioned_comment = false;  // MySQL /*!NNNNN … */ or /*M!NNNNN … */
  std::vector<Statement> statements;
};

// Case-insensitive (ASCII) comparison, the way both servers fold names.
bool iequals(std::string_view a, std::string_view b) noexcept;

}  // namespace sw::parsers
