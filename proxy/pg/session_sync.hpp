#pragma once
// PostgreSQL session state under pooling, as SQL text: the replay that
// makes a borrowed server connection carry a client's settings, and the
// probe that reads back, after a transaction that may have changed session
// state, what the server now holds (session-level settings, SET ROLE, and
// the state that pins: temp tables, session advisory locks, WITH HOLD
// cursors, SQL PREPARE, LISTEN; plus which pooled prepared statements still
// exist after a DEALLOCATE/DISCARD). Pure functions; no I/O.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pool/prepared.hpp"
#include "pool/session_state.hpp"

namespace sw::pg {

// Setting names fold to lower case, as the server treats them.
std::string fold_setting_name(std::string_view name);

// One statement applying `diff` (empty string when there is nothing to do).
std::string replay_sql(const pool::SettingsDiff& diff);

// The probe query and its result.
std::string_view probe_sql();
struct ProbeResult {
  pool::Settings settings;  // session-level settings incl. "role"
  pool::PinSet pins = 0;
  pool::ServerStatements statements;  // pooled (sw_N) statements present
};
ProbeResult parse_probe(const std::vector<std::vector<std::optional<std::string>>>& rows);

// Whether a statement may have changed session state the probe should read
// back: its kind is not plain DML/query/transaction control, or its text
// calls set_config or an advisory lock function, or it holds several
// statements. Cheap; runs on every Query and Parse in pooled modes.
bool may_change_session(std::string_view kind_name, std::string_view sql);

// Startup option "-c name=value" / "--name=value" pairs of the `options`
// parameter; nullopt when it holds anything else.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_startup_options(
    std::string_view options);

}  // namespace sw::pg
