#include "proxy/pg/server_exchange.hpp"

#include <array>

#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/message_io.hpp"

namespace sw::pg {

namespace {
constexpr std::uint32_t kMaxInternalMessage = 16u << 20;
constexpr std::size_t kMaxColumns = 8;
}  // namespace

net::awaitable<Result<ExchangeResult>> run_internal(ServerConnection& server,
                                                    std::string_view sql) {
  Bytes out;
  codec::append_query(out, sql);
  net::error_code ec;
  co_await server.stream().write(net::asio::buffer(out), ec);
  if (ec) co_return make_error(Errc::io, "backend write: " + ec.message());
  ExchangeResult result;
  for (;;) {
    auto m = co_await read_message(server.stream(), server.reader(), kMaxInternalMessage);
    if (!m) co_return make_error(Errc::io, "backend: " + m.error().message);
    ByteSpan message = *m;
    switch (message[0]) {
      case 'D': {
        std::array<std::optional<ByteSpan>, kMaxColumns> cols;
        auto n = codec::parse_data_row(message, cols);
        if (!n) break;
        auto& row = result.rows.emplace_back();
        for (std::size_t i = 0; i < *n; ++i) {
          if (cols[i])
            row.emplace_back(std::string(as_chars(*cols[i])));
          else
            row.emplace_back(std::nullopt);
        }
        break;
      }
      case codec::msg::kErrorResponse: {
        auto fields = codec::parse_error_fields(message);
        if (fields && result.sqlstate.empty()) {
          for (const auto& [code, value] : *fields) {
            if (code == 'C') result.sqlstate = value;
            if (code == 'M') result.error = value;
          }
          if (result.sqlstate.empty()) result.sqlstate = "XX000";
        }
        break;
      }
      case codec::msg::kParameterStatus: {
        auto ps = codec::parse_parameter_status(message);
        if (ps) server.note_parameter(ps->first, ps->second);
        break;
      }
      case codec::msg::kReadyForQuery: {
        auto s = codec::parse_ready_for_query(message);
        if (s) server.set_tx_status(*s);
        server.reader().consume(message.size());
        co_return result;
      }
      default:
        break;  // RowDescription, CommandComplete, notices, EmptyQueryResponse
    }
    server.reader().consume(message.size());
  }
}

}  // namespace sw::pg
