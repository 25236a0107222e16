#pragma once
// What a COM_QUERY does to the session beyond its own answer, as far as
// pooling must know (issue 10): state that ties the client to its server
// connection (pins), SET statements the pool can replay on another
// connection, a USE, and statements whose meaning depends on the previous
// one (FOUND_ROWS after SQL_CALC_FOUND_ROWS). Read from tokens (the
// parsers' MySQL lexer: strings, comments and executable comments as the
// server reads them); unsure means pin. No I/O, no allocation beyond the
// results.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sw::mysql {

// Same bits as pool::Pin (pool/session_state.hpp), which the driver maps them to.
enum class SessionPin : std::uint32_t {
  temp_table = 1u << 0,     // CREATE TEMPORARY TABLE
  advisory_lock = 1u << 1,  // GET_LOCK()
  hold_cursor = 1u << 2,    // an open server-side cursor
  sql_prepare = 1u << 3,    // PREPARE / EXECUTE / DEALLOCATE
  table_lock = 1u << 5,     // LOCK TABLES, FLUSH TABLES WITH READ LOCK
  user_variable = 1u << 6,  // @v := …, SET @v, SELECT … INTO @v
  other = 1u << 7,          // SET ROLE, HANDLER, XA, CALL, LAST_INSERT_ID(expr), mixed SET GLOBAL
};

struct SessionEffects {
  std::uint32_t pins = 0;  // SessionPin bits
  // Text of each SET statement that only changes session variables or the
  // character set (SET NAMES, SET SESSION x = …): replayed on another server
  // connection before this client's next transaction.
  std::vector<std::string> replayable_sets;
  std::optional<std::string> use_database;  // USE db (unquoted)
  bool unlock_tables = false;               // UNLOCK TABLES ends a table_lock pin
  // SQL_CALC_FOUND_ROWS or SET TRANSACTION: the next statement must run on
  // the same server connection.
  bool hold_next = false;
  bool reads_last_insert_id = false;  // LAST_INSERT_ID() without argument
  bool starts_transaction = false;    // BEGIN, START TRANSACTION, XA START, SET autocommit

  bool pins_session() const noexcept { return pins != 0; }
};

// `no_backslash_escapes` / `ansi_quotes`: the session's sql_mode, so strings
// end where the server ends them.
SessionEffects session_effects(std::string_view sql, bool no_backslash_escapes = false,
                               bool ansi_quotes = false);

// "temp tables, GET_LOCK" — for messages.
std::string describe_pins(std::uint32_t pins);

}  // namespace sw::mysql
