#pragma once
// Binary-protocol prepared statements under pooling: statement ids are per
// server connection, so the proxy gives clients its own ids and rewrites
// them in each COM_STMT_* command and in the COM_STMT_PREPARE answer. A
// statement re-prepared on another server connection has never seen the
// client's parameter types, so every COM_STMT_EXECUTE leaves the proxy
// carrying them (new-params-bound = 1) from the client's last binding.
#include <cstdint>
#include <optional>
#include <string>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"

namespace sw::mysql {

// The first packet of a COM_STMT_PREPARE answer (0x00 header).
struct PrepareOk {
  std::uint32_t statement_id = 0;
  std::uint16_t columns = 0;
  std::uint16_t params = 0;
  std::uint16_t warnings = 0;
};
std::optional<PrepareOk> parse_prepare_ok(ByteSpan payload);

// The statement id of a COM_STMT_EXECUTE/FETCH/CLOSE/RESET/SEND_LONG_DATA
// payload (after the command byte), or nullopt when too short.
std::optional<std::uint32_t> command_statement_id(ByteSpan payload);
// Overwrites bytes 1..4 of a command payload or a PrepareOk payload.
void set_statement_id(std::uint8_t* payload, std::uint32_t id) noexcept;

inline constexpr std::uint8_t cursor_type_read_only = 0x01;

// Rewrites a COM_STMT_EXECUTE payload for the server: statement id
// `server_id`, parameter types always sent. `types` holds the client's last
// bound types (2 bytes per parameter) and is updated when the client sends
// new ones. Errors: malformed packet, or no types known yet.
Result<Bytes> execute_for_server(ByteSpan payload, std::uint16_t params, std::uint32_t server_id,
                                 std::string& types);
// Rewrites a MariaDB COM_STMT_BULK_EXECUTE payload the same way: statement
// id `server_id`, parameter types always sent (SEND_TYPES_TO_SERVER), from
// the client's last binding when this one has none.
Result<Bytes> bulk_execute_for_server(ByteSpan payload, std::uint16_t params,
                                      std::uint32_t server_id, std::string& types);
inline constexpr std::uint16_t bulk_send_types_to_server = 128;

// The cursor flags of a COM_STMT_EXECUTE payload (0 when absent).
std::uint8_t execute_cursor_flags(ByteSpan payload) noexcept;

}  // namespace sw::mysql
