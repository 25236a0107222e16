#pragma once
// Numbers of the MySQL/MariaDB client/server protocol: capability and status
// flags, command bytes, packet headers and the server error codes the proxy
// itself sends.
#include <cstdint>

namespace sw::mysql {

namespace cap {
inline constexpr std::uint32_t long_password = 1u << 0;  // "CLIENT_MYSQL" for MariaDB
inline constexpr std::uint32_t found_rows = 1u << 1;
inline constexpr std::uint32_t long_flag = 1u << 2;
inline constexpr std::uint32_t connect_with_db = 1u << 3;
inline constexpr std::uint32_t no_schema = 1u << 4;
inline constexpr std::uint32_t compress = 1u << 5;
inline constexpr std::uint32_t odbc = 1u << 6;
inline constexpr std::uint32_t local_files = 1u << 7;
inline constexpr std::uint32_t ignore_space = 1u << 8;
inline constexpr std::uint32_t protocol_41 = 1u << 9;
inline constexpr std::uint32_t interactive = 1u << 10;
inline constexpr std::uint32_t ssl = 1u << 11;
inline constexpr std::uint32_t ignore_sigpipe = 1u << 12;
inline constexpr std::uint32_t transactions = 1u << 13;
inline constexpr std::uint32_t reserved = 1u << 14;
inline constexpr std::uint32_t secure_connection = 1u << 15;
inline constexpr std::uint32_t multi_statements = 1u << 16;
inline constexpr std::uint32_t multi_results = 1u << 17;
inline constexpr std::uint32_t ps_multi_results = 1u << 18;
inline constexpr std::uint32_t plugin_auth = 1u << 19;
inline constexpr std::uint32_t connect_attrs = 1u << 20;
inline constexpr std::uint32_t plugin_auth_lenenc_data = 1u << 21;
inline constexpr std::uint32_t can_handle_expired_passwords = 1u << 22;
inline constexpr std::uint32_t session_track = 1u << 23;
inline constexpr std::uint32_t deprecate_eof = 1u << 24;

// What the proxy can relay faithfully. Flags that change the shape of what
// the server sends (DEPRECATE_EOF, SESSION_TRACK, MULTI_RESULTS...) are
// negotiated identically on both sides. COMPRESS is the transport of one
// side only (the packet channel inflates and deflates), asked of the
// backend when the client that opens a pooled connection asks for it.
// LOCAL_FILES only when a profile enables local_infile (the session checks
// every file request the server makes against the client's statement).
// CAN_HANDLE_EXPIRED_PASSWORDS is passed to the backend login, where the
// server decides between refusing an expired password and sandbox mode.
inline constexpr std::uint32_t proxy_supported =
    long_password | found_rows | long_flag | connect_with_db | compress | odbc | ignore_space |
    protocol_41 | can_handle_expired_passwords | interactive | ignore_sigpipe | transactions |
    secure_connection | multi_statements | multi_results | ps_multi_results | plugin_auth |
    connect_attrs | plugin_auth_lenenc_data | session_track | deprecate_eof;
// The client must support these; the proxy speaks no older dialect.
inline constexpr std::uint32_t client_required = protocol_41 | secure_connection;
}  // namespace cap

// MariaDB's extended capabilities: capability bits 32..63, carried in the
// greeting's and the HandshakeResponse's otherwise reserved last 4 bytes,
// and valid only when CLIENT_MYSQL (bit 0) is clear on both sides. Stored
// shifted down by 32.
namespace ext_cap {
inline constexpr std::uint32_t progress = 1u << 0;
inline constexpr std::uint32_t com_multi = 1u << 1;
inline constexpr std::uint32_t stmt_bulk_operations = 1u << 2;
inline constexpr std::uint32_t extended_metadata = 1u << 3;
inline constexpr std::uint32_t cache_metadata = 1u << 4;
inline constexpr std::uint32_t bulk_unit_results = 1u << 5;

// What the proxy relays faithfully. EXTENDED_METADATA only adds a field to
// column definitions (the tracker counts them, nothing parses their
// content); COM_STMT_BULK_EXECUTE is mapped like COM_STMT_EXECUTE. Not
// offered: CACHE_METADATA (the server decides per server statement whether
// the client already has the metadata, but the pool shares server
// statements between clients and re-prepares them on other connections, so
// the server's "metadata does not follow" can be wrong for this client),
// PROGRESS (progress reports are 0xff packets inside an answer),
// BULK_UNIT_RESULTS and COM_MULTI.
inline constexpr std::uint32_t proxy_supported = stmt_bulk_operations | extended_metadata;
}  // namespace ext_cap

namespace status {
inline constexpr std::uint16_t in_trans = 0x0001;
inline constexpr std::uint16_t autocommit = 0x0002;
inline constexpr std::uint16_t more_results = 0x0008;
inline constexpr std::uint16_t cursor_exists = 0x0040;
inline constexpr std::uint16_t last_row_sent = 0x0080;
inline constexpr std::uint16_t no_backslash_escapes = 0x0200;
inline constexpr std::uint16_t session_state_changed = 0x4000;
}  // namespace status

enum class Command : std::uint8_t {
  sleep = 0x00,
  quit = 0x01,
  init_db = 0x02,
  query = 0x03,
  field_list = 0x04,
  create_db = 0x05,
  drop_db = 0x06,
  refresh = 0x07,
  shutdown = 0x08,
  statistics = 0x09,
  process_info = 0x0a,
  connect = 0x0b,
  process_kill = 0x0c,
  debug = 0x0d,
  ping = 0x0e,
  change_user = 0x11,
  binlog_dump = 0x12,
  stmt_prepare = 0x16,
  stmt_execute = 0x17,
  stmt_send_long_data = 0x18,
  stmt_close = 0x19,
  stmt_reset = 0x1a,
  set_option = 0x1b,
  stmt_fetch = 0x1c,
  reset_connection = 0x1f,
  stmt_bulk_execute = 0xfa,  // MariaDB, with ext_cap::stmt_bulk_operations
};

namespace header {
inline constexpr std::uint8_t ok = 0x00;
inline constexpr std::uint8_t auth_more_data = 0x01;
inline constexpr std::uint8_t local_infile = 0xfb;
inline constexpr std::uint8_t eof = 0xfe;  // also AuthSwitchRequest during login
inline constexpr std::uint8_t err = 0xff;
}  // namespace header

// Server error codes the proxy answers with itself (same numbers and
// SQLSTATEs as MariaDB so clients react as they would to the server).
namespace er {
inline constexpr std::uint16_t con_count = 1040;                 // 08004 Too many connections
inline constexpr std::uint16_t handshake = 1043;                 // 08S01 Bad handshake
inline constexpr std::uint16_t db_access_denied = 1044;          // 42000 (pin_database)
inline constexpr std::uint16_t access_denied = 1045;             // 28000
inline constexpr std::uint16_t no_such_thread = 1094;            // HY000 Unknown thread id
inline constexpr std::uint16_t unknown_com = 1047;               // 08S01 Unknown command
inline constexpr std::uint16_t unknown_error = 1105;             // HY000
inline constexpr std::uint16_t table_access_denied = 1142;       // 42000, used for policy denials
inline constexpr std::uint16_t net_packet_too_large = 1153;      // 08S01
inline constexpr std::uint16_t net_packets_out_of_order = 1156;  // 08S01
inline constexpr std::uint16_t net_read_error = 1158;            // 08S01
inline constexpr std::uint16_t net_read_interrupted = 1159;      // 08S01 timeout
inline constexpr std::uint16_t not_supported = 1235;             // 42000
inline constexpr std::uint16_t unsupported_ps = 1295;            // HY000
inline constexpr std::uint16_t not_allowed_command = 1148;       // 42000 (LOAD DATA LOCAL off)
inline constexpr std::uint16_t local_infile_disabled = 4166;  // HY000 (… inside a multi-statement)
// The proxy cannot reach its backend. Client libraries turn a 2xxx code sent
// by a server into "2027 Received malformed packet", so this is the server's
// ER_UNKNOWN_ERROR, with the reason in the message.
inline constexpr std::uint16_t backend_unreachable = 1105;  // HY000
inline constexpr std::uint16_t server_gone = 2006;          // client-side code, HY000
inline constexpr std::uint16_t lost_connection = 2013;
inline constexpr std::uint16_t backend_unavailable = 1927;  // 70100 ER_CONNECTION_KILLED
}  // namespace er

// A packet's payload is at most this long; a payload of exactly this length
// is continued by the next packet.
inline constexpr std::uint32_t max_packet_payload = 0xffffff;

inline constexpr std::uint8_t charset_utf8mb4_general_ci = 45;

}  // namespace sw::mysql
