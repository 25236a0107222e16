#pragma once
// Typed PostgreSQL v3 messages: builders that append a complete message to
// an output buffer, and parsers that read one whole message body. Pure
// functions over bytes; every parser bounds-checks and reports failure.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"

namespace sw::pg::codec {

// Message type bytes used by the proxy (protocol chapter "Message Formats").
namespace msg {
// frontend
constexpr std::uint8_t kBind = 'B', kClose = 'C', kCopyData = 'd', kCopyDone = 'c', kCopyFail = 'f',
                       kDescribe = 'D', kExecute = 'E', kFlush = 'H', kFunctionCall = 'F',
                       kParse = 'P', kPassword = 'p', kQuery = 'Q', kSync = 'S', kTerminate = 'X';
// backend
constexpr std::uint8_t kAuthentication = 'R', kBackendKeyData = 'K', kErrorResponse = 'E',
                       kNoticeResponse = 'N', kParameterStatus = 'S', kReadyForQuery = 'Z',
                       kNegotiateProtocolVersion = 'v', kNotification = 'A', kCommandComplete = 'C',
                       kEmptyQueryResponse = 'I', kPortalSuspended = 's';
}  // namespace msg

// Frontend message types valid once the session is ready.
bool is_frontend_query_phase_type(std::uint8_t type) noexcept;

// Authentication request codes (the int32 after 'R').
enum class AuthCode : std::int32_t {
  ok = 0,
  cleartext_password = 3,
  md5_password = 5,
  sasl = 10,
  sasl_continue = 11,
  sasl_final = 12,
};

// ---- builders (append to `out`) ----
struct ErrorFields {
  std::string_view severity = "ERROR";  // ERROR | FATAL
  std::string_view sqlstate;
  std::string_view message;
};
void append_error(Bytes& out, const ErrorFields& e);
void append_ready_for_query(Bytes& out, char status);
void append_parameter_status(Bytes& out, std::string_view name, std::string_view value);
void append_backend_key_data(Bytes& out, std::uint32_t pid, std::uint32_t key);
void append_auth(Bytes& out, AuthCode code, ByteSpan payload = {});
void append_auth_sasl_mechanisms(Bytes& out, const std::vector<std::string_view>& mechanisms);
void append_negotiate_protocol_version(Bytes& out, std::int32_t newest_minor,
                                       const std::vector<std::string>& unrecognized);
void append_query(Bytes& out, std::string_view sql);
void append_parse(Bytes& out, std::string_view name, std::string_view sql);
// Parse with parameter types as sent by a client (int16 count + int32 OIDs).
void append_parse(Bytes& out, std::string_view name, std::string_view sql, ByteSpan param_types);
// Describe / Close of a statement ('S') or portal ('P').
void append_describe(Bytes& out, char what, std::string_view name);
void append_close(Bytes& out, char what, std::string_view name);
// Bind of the unnamed statement to the unnamed portal, text parameters.
void append_bind_text(Bytes& out, const std::vector<std::string_view>& params);
// Execute of the unnamed portal, all rows.
void append_execute(Bytes& out);
void append_password(Bytes& out, std::string_view password);
void append_sasl_initial_response(Bytes& out, std::string_view mechanism, std::string_view data);
void append_sasl_response(Bytes& out, std::string_view data);
void append_terminate(Bytes& out);
void append_sync(Bytes& out);
// CommandComplete with its tag ("LISTEN", "UNLISTEN", ...).
void append_command_complete(Bytes& out, std::string_view tag);
// Startup packets (no type byte).
void append_startup(Bytes& out, const std::vector<std::pair<std::string, std::string>>& params);
void append_cancel_request(Bytes& out, std::uint32_t pid, std::uint32_t key);

// ---- parsers (take a whole message including its 5-byte header) ----
// Query: the SQL text.
Result<std::string_view> parse_query(ByteSpan message);
// Parse: statement name and SQL text.
struct ParseMessage {
  std::string_view statement;
  std::string_view sql;
};
Result<ParseMessage> parse_parse(ByteSpan message);
// Parse, with the raw parameter type bytes (int16 count + OIDs).
struct ParseFull {
  std::string_view statement;
  std::string_view sql;
  ByteSpan param_types;
};
Result<ParseFull> parse_parse_full(ByteSpan message);
// Bind: portal and statement names, and the bytes after them (formats,
// values, result formats) untouched.
struct BindNames {
  std::string_view portal;
  std::string_view statement;
  ByteSpan rest;
};
Result<BindNames> parse_bind_names(ByteSpan message);
void append_bind(Bytes& out, std::string_view portal, std::string_view statement, ByteSpan rest);
// Describe and Close: 'S' or 'P' and the name.
struct Target {
  char what = 'S';
  std::string_view name;
};
Result<Target> parse_target(ByteSpan message);
// Execute: the portal name (the row limit is not needed).
Result<std::string_view> parse_execute_portal(ByteSpan message);
// CommandComplete: the command tag ("SELECT 5", "INSERT 0 1", "BEGIN").
Result<std::string_view> parse_command_complete(ByteSpan message);
// NotificationResponse: the sending backend's process id, channel, payload.
struct Notification {
  std::uint32_t pid = 0;
  std::string_view channel;
  std::string_view payload;
};
Result<Notification> parse_notification(ByteSpan message);
// ReadyForQuery: the transaction status byte ('I', 'T' or 'E').
Result<char> parse_ready_for_query(ByteSpan message);
// BackendKeyData.
Result<std::pair<std::uint32_t, std::uint32_t>> parse_backend_key_data(ByteSpan message);
// ParameterStatus.
Result<std::pair<std::string_view, std::string_view>> parse_parameter_status(ByteSpan message);
// Authentication request: code and the bytes after it.
struct AuthRequest {
  std::int32_t code = 0;
  ByteSpan payload;
};
Result<AuthRequest> parse_auth_request(ByteSpan message);
// SASL mechanism names listed by AuthenticationSASL.
std::vector<std::string_view> parse_sasl_mechanisms(ByteSpan payload);
// ErrorResponse / NoticeResponse fields as (code, value).
Result<std::vector<std::pair<char, std::string_view>>> parse_error_fields(ByteSpan message);
// DataRow: column values (nullopt = SQL NULL) into `columns`; returns the
// column count, an error when it exceeds columns.size() or the row is malformed.
Result<std::size_t> parse_data_row(ByteSpan message, std::span<std::optional<ByteSpan>> columns);
// Frontend 'p' during SASL: SASLInitialResponse (mechanism + data) ...
struct SaslInitialResponse {
  std::string_view mechanism;
  std::string_view data;
};
Result<SaslInitialResponse> parse_sasl_initial_response(ByteSpan message);
// ... and SASLResponse / PasswordMessage bodies.
Result<std::string_view> parse_sasl_response(ByteSpan message);
Result<std::string_view> parse_password(ByteSpan message);

}  // namespace sw::pg::codec
