#include "proxy/pg/auth_lookup.hpp"

#include <array>

#include <fmt/format.h>

#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/message_io.hpp"

namespace sw::pg {

namespace {

constexpr std::uint32_t kMaxReply = 1 << 20;  // a role name and a hash

// The ErrorResponse's message text, for the log.
std::string error_text(ByteSpan message) {
  auto fields = codec::parse_error_fields(message);
  if (!fields) return "malformed ErrorResponse";
  for (const auto& [code, value] : *fields)
    if (code == 'M') return std::string(value);
  return "error without a message";
}

}  // namespace

net::awaitable<Result<std::optional<Secret>>> lookup_stored_secret(const ServerLogin& auth_login,
                                                                   std::string_view query,
                                                                   std::string_view user) {
  auto [conn, failure] = co_await ServerConnection::open(auth_login);
  if (!conn) {
    std::string why = failure.problem;
    if (!failure.error_message.empty()) why += ": " + error_text(failure.error_message);
    co_return make_error(Errc::auth_failed,
                         fmt::format("auth_user \"{}\" cannot log in: {}", auth_login.user, why));
  }
  Bytes out;
  codec::append_parse(out, "", query);
  codec::append_bind_text(out, {user});
  codec::append_execute(out);
  codec::append_sync(out);
  net::error_code ec;
  co_await conn->stream().write(net::asio::buffer(out), ec);
  if (ec) co_return make_error(Errc::io, "auth_query: " + ec.message());

  std::optional<Secret> secret;
  bool row_seen = false;
  std::string query_error;
  for (;;) {
    auto m = co_await read_message(conn->stream(), conn->reader(), kMaxReply);
    if (!m) co_return make_error(m.error().code, "auth_query: " + m.error().message);
    ByteSpan message = *m;
    if (message[0] == 'D' && !row_seen) {
      row_seen = true;
      std::array<std::optional<ByteSpan>, 2> columns;
      auto n = codec::parse_data_row(message, columns);
      if (!n || *n != 2) {
        query_error = "auth_query must return two columns (name, password)";
      } else if (columns[1] && !columns[1]->empty()) {
        secret = Secret(std::string(as_chars(*columns[1])));
      }
    } else if (message[0] == codec::msg::kErrorResponse) {
      query_error = error_text(message);
    } else if (message[0] == codec::msg::kReadyForQuery) {
      conn->reader().consume(message.size());
      break;
    }
    conn->reader().consume(message.size());
  }
  co_await conn->close();
  if (!query_error.empty()) co_return make_error(Errc::auth_failed, "auth_query: " + query_error);
  co_return secret;
}

}  // namespace sw::pg
