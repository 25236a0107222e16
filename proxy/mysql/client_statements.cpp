// ClientSession: the binary protocol's prepared statements under pooling.
// Clients see the proxy's statement ids; each server connection keeps the
// statements it has prepared by SQL text (shared by every client it
// serves), and a statement is prepared again, lazily, on a connection that
// lacks it. Every COM_STMT_EXECUTE carries the client's parameter types, so
// a shared or re-prepared server statement never runs with another
// client's binding.
#include <spdlog/spdlog.h>

#include "proxy/mysql/client_session.hpp"
#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/messages.hpp"
#include "proxy/mysql/codec/prepared.hpp"

namespace sw::mysql {

namespace {
constexpr std::uint16_t er_unknown_stmt_handler = 1243;  // HY000
constexpr std::uint16_t er_wrong_arguments = 1210;       // HY000

const char* command_name(Command cmd) {
  switch (cmd) {
    case Command::stmt_execute:
      return "mysqld_stmt_execute";
    case Command::stmt_bulk_execute:
      return "mysqld_stmt_bulk_execute";
    case Command::stmt_fetch:
      return "mysqld_stmt_fetch";
    case Command::stmt_reset:
      return "mysqld_stmt_reset";
    case Command::stmt_send_long_data:
      return "mysqld_stmt_send_long_data";
    default:
      return "mysqld_stmt_close";
  }
}
}  // namespace

net::awaitable<bool> ClientSession::handle_prepare(ByteSpan raw, std::string_view sql,
                                                   std::uint8_t seq) {
  bool have_server = co_await ensure_server(seq);
  if (!have_server) co_return true;
  ServerConnection& server = *lease_.server();
  PacketChannel& channel = server.channel();
  if (auto st = co_await channel.write_command(raw); !st)
    co_return co_await server_lost(st.error().message, seq);
  // The first packet carries the server's statement id: swap in the
  // proxy's before the client sees it.
  auto first = co_await channel.read_packet(seq, ctx_->config->server.max_message_bytes);
  if (!first) co_return co_await server_lost(first.error().message, seq);
  std::uint32_t replaced = 0;
  std::string text(sql);
  if (auto ok = parse_prepare_ok(single_payload(first->raw))) {
    auto& known = server.session().statements;
    if (auto it = known.find(text); it != known.end() && it->second != ok->statement_id)
      replaced = it->second;
    known[text] = ok->statement_id;
    std::uint32_t id = state_.add_statement(ClientStatement{text, ok->params, {}});
    set_statement_id(channel.buffered_mut() + packet_header_size, id);
  }
  bool relayed = co_await relay(ResponseKind::prepare, seq);
  if (relayed && replaced && lease_.held()) {
    // One server statement per text and connection: the older one goes.
    if (auto st = co_await lease_.server()->close_statement(replaced); !st)
      co_return co_await server_lost(st.error().message, seq);
  }
  co_return relayed;
}

net::awaitable<std::optional<std::uint32_t>> ClientSession::server_statement(
    const ClientStatement& st, std::uint8_t seq) {
  ServerConnection& server = *lease_.server();
  auto& known = server.session().statements;
  if (auto it = known.find(st.sql); it != known.end()) co_return it->second;
  std::uint32_t id = 0;
  auto r = co_await server.prepare(st.sql, id);
  if (!r) {
    co_await server_lost(r.error().message, seq);
    co_return std::nullopt;
  }
  if (r->error) {
    // The statement no longer prepares (a table was dropped...): the
    // server's own words, as a direct client would get them at execute.
    co_await send_err(*r->error, seq);
    co_return std::nullopt;
  }
  known[st.sql] = id;
  co_return id;
}

net::awaitable<bool> ClientSession::handle_statement_command(Command cmd, ByteSpan payload,
                                                             std::uint8_t seq) {
  auto id = command_statement_id(payload);
  ClientStatement* st = id ? state_.statement(*id) : nullptr;
  if (cmd == Command::stmt_close) {
    // No answer. The server statement stays for the next client that
    // prepares the same text, unless a cursor of it is open here.
    if (st && state_.cursor_open && lease_.held()) {
      auto& known = lease_.server()->session().statements;
      if (auto it = known.find(st->sql); it != known.end()) {
        auto closed = co_await lease_.server()->close_statement(it->second);
        known.erase(it);
        if (!closed) co_return co_await server_lost(closed.error().message, seq);
      }
      state_.cursor_open = false;
    }
    if (id) state_.remove_statement(*id == 0xffffffffu ? state_.last_prepared() : *id);
    co_return true;
  }
  if (!st) {
    if (cmd == Command::stmt_send_long_data) co_return true;  // no answer, as the server
    co_return co_await send_err(er_unknown_stmt_handler, "HY000",
                                "Unknown prepared statement handler (" +
                                    std::to_string(id.value_or(0)) + ") given to " +
                                    command_name(cmd),
                                seq);
  }
  if (cmd == Command::stmt_fetch && !(state_.cursor_open && lease_.held()))
    co_return co_await send_err(er_unknown_stmt_handler, "HY000",
                                "Unknown prepared statement handler (" + std::to_string(*id) +
                                    ") given to mysqld_stmt_fetch",
                                seq);
  bool have_server = co_await ensure_server(seq);
  if (!have_server) co_return true;
  auto server_id = co_await server_statement(*st, seq);
  if (!server_id) co_return !session_over_;
  Bytes out;
  if (cmd == Command::stmt_execute) {
    auto rewritten = execute_for_server(payload, st->params, *server_id, st->types);
    if (!rewritten)
      co_return co_await send_err(er_wrong_arguments, "HY000",
                                  "Incorrect arguments to mysqld_stmt_execute", seq);
    append_packets(out, 0, *rewritten);
  } else if (cmd == Command::stmt_bulk_execute) {
    // The statement was judged when prepared, as for COM_STMT_EXECUTE.
    auto rewritten = bulk_execute_for_server(payload, st->params, *server_id, st->types);
    if (!rewritten)
      co_return co_await send_err(er_wrong_arguments, "HY000",
                                  "Incorrect arguments to mysqld_stmt_bulk_execute", seq);
    spdlog::debug("mysql: COM_STMT_BULK_EXECUTE from '{}' (statement {}, {} bytes) relayed", user_,
                  *id, payload.size());
    append_packets(out, 0, *rewritten);
  } else {
    Bytes copy(payload.begin(), payload.end());
    set_statement_id(copy.data(), *server_id);
    append_packets(out, 0, copy);
  }
  const bool executes = cmd == Command::stmt_execute || cmd == Command::stmt_bulk_execute;
  if (executes && audit_.refusing()) {
    audit_.denied(st->sql, {}, true, lex_options());
    co_return co_await send_err(er::unknown_error, "HY000", audit_hook::kRefusedMessage, seq);
  }
  if (executes && audit_.on()) {
    // The statement passed the gate when it was prepared; asking again
    // (a cache hit) gives its kind and fingerprint for the record.
    policy::Decision d = gate_check(st->sql);
    audit_.facts().database = state_.database;
    audit_.expect(st->sql, d, lex_options(), lease_.server()->thread_id());
  }
  ResponseKind kind = response_kind(cmd);
  bool ok = co_await forward(out, kind, seq);
  if (!ok || !lease_.held()) co_return ok;
  switch (cmd) {
    case Command::stmt_send_long_data:
      state_.long_data = true;  // the data waits on this connection for its execute
      break;
    case Command::stmt_bulk_execute:
      state_.long_data = false;
      if (tracker_.last_insert_id()) {
        state_.last_insert_id = tracker_.last_insert_id();
        lease_.server()->session().last_insert_id = state_.last_insert_id;
      }
      break;
    case Command::stmt_execute:
      state_.long_data = false;
      state_.cursor_open = !tracker_.failed() && (server_status_ & status::cursor_exists) &&
                           (execute_cursor_flags(payload) & cursor_type_read_only);
      if (tracker_.last_insert_id()) {
        state_.last_insert_id = tracker_.last_insert_id();
        lease_.server()->session().last_insert_id = state_.last_insert_id;
      }
      break;
    case Command::stmt_fetch:
      if (tracker_.failed() || (server_status_ & status::last_row_sent) ||
          !(server_status_ & status::cursor_exists))
        state_.cursor_open = false;
      break;
    case Command::stmt_reset:
      state_.long_data = false;
      state_.cursor_open = false;
      break;
    default:
      break;
  }
  co_return true;
}

}  // namespace sw::mysql
