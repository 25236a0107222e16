#pragma once
// One PostgreSQL client connection: startup (TLS, cancel, protocol checks),
// authentication by the proxy, then the message relay with the statement
// gate on every Query and Parse. Server connections belong to the pool: the
// client→server coroutine borrows one when the client sends work (per
// transaction, statement or session, by pool mode), a server→client
// coroutine runs for as long as the lease lasts and gives the connection
// back at ReadyForQuery 'I' with nothing in flight and nothing pinned.
// Both run on the session's worker, so the state below needs no locks.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/gate.hpp"
#include "pool/session_state.hpp"
#include "pool/shard.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/session_registry.hpp"
#include "proxy/net/tls.hpp"
#include "proxy/pg/cancel_registry.hpp"
#include "proxy/pg/listener_context.hpp"
#include "proxy/pg/message_reader.hpp"
#include "proxy/pg/server_connection.hpp"
#include "proxy/pg/statement_audit.hpp"

namespace sw::pg {

class ClientSession : public std::enable_shared_from_this<ClientSession> {
 public:
  ClientSession(std::shared_ptr<ListenerContext> ctx, net::tcp::socket socket,
                net::ConnectionSlot slot);
  ~ClientSession();

  net::awaitable<void> run();

 private:
  // A denied statement travels to the server as a statement that fails to
  // parse, so the server itself aborts the transaction, discards the rest
  // of an extended-protocol batch and reports the right ReadyForQuery; the
  // server's syntax error is rewritten into the denial on the way back.
  struct Denial {
    std::uint64_t sync_seq;  // the ReadyForQuery that ends the denied statement's batch
    std::string message;
  };

  // A Parse sent to the server whose ParseComplete is still due: the
  // client's own (forwarded) or one the proxy injected (dropped).
  struct ParseExpect {
    std::uint64_t sync_seq;  // the Sync whose batch holds it
    bool drop;
    pool::StatementId id;  // pooled statement it creates (0: unnamed)
    std::string client_name;
  };

  net::awaitable<bool> startup();
  // Backend login basics (endpoint, TLS, timeouts) for `user` on `database`.
  ServerLogin backend_login(std::string user, std::string database) const;
  // The backend's stored secret for user_ (auth_user/auth_query).
  net::awaitable<Result<std::optional<Secret>>> look_up_user();
  net::awaitable<bool> handle_cancel_request(std::uint32_t pid, std::uint32_t key);
  net::awaitable<void> client_to_server();
  net::awaitable<void> server_to_client();
  net::awaitable<void> idle_watchdog();

  // Pooling.
  bool pooled() const noexcept { return mode_ != PoolMode::session; }
  void start_relay();  // the server→client coroutine for the current lease
  // Borrows a server connection if none is held and brings it to the
  // client's settings; false after telling the client why not (closed).
  net::awaitable<bool> ensure_server();
  net::awaitable<bool> apply_settings();
  // At ReadyForQuery 'I' with nothing in flight: reads back session state
  // when needed and decides pinning. False when the connection failed.
  net::awaitable<bool> settle_session(Bytes& notices);
  void release_server(bool reusable);
  net::awaitable<void> finish_server();  // the client left while holding one
  // Extended-protocol renaming onto pooled statements.
  void on_parse(const std::string& name, std::string_view sql, ByteSpan types, Bytes& out);
  bool ensure_statement(std::string_view name, std::string& server_name, Bytes& out);
  void settle_parse_expectations();
  // Parse of a statement a server already accepted, while no server
  // connection is held: answered here (a client preparing statements needs
  // no server, so it cannot deadlock a pool whose connections are held by
  // other clients of the same single-threaded program, as pgbench -M
  // prepared does). True when the message was handled.
  bool parse_locally(ByteSpan message);

  net::awaitable<bool> write_client(ByteSpan bytes);
  net::awaitable<bool> write_server(ByteSpan bytes);
  // FATAL ErrorResponse, then close.
  net::awaitable<void> fatal(std::string_view sqlstate, std::string_view message);
  void close_all() noexcept;
  // Metrics at the end of a request (latency, transactions) and on errors.
  void begin_request();
  void metrics_ready_for_query(char tx_status);
  void metrics_backend_error(ByteSpan message);
  void touch() noexcept { last_activity_ = std::chrono::steady_clock::now(); }
  bool busy() const noexcept { return syncs_sent_ != syncs_received_; }
  std::uint64_t server_pid() const { return server_ ? server_->cancel_target().pid : 0; }
  bool in_flight() const noexcept { return busy() || unsynced_; }

  // Rewrites the server's marker syntax error into the denial; false when
  // `message` is not the marker error.
  bool rewrite_denial(ByteSpan message, Bytes& out) const;

  std::shared_ptr<ListenerContext> ctx_;
  net::Stream client_;
  MessageReader reader_;
  net::ConnectionSlot slot_;
  std::unique_ptr<ServerConnection> server_;  // the lease; null between transactions
  net::asio::steady_timer timer_;             // auth deadline, then idle watchdog
  net::asio::steady_timer internal_done_;     // wakes the client side after an internal query

  // Pooling state of this client.
  std::shared_ptr<pool::Shard> shard_;
  ServerLogin login_;
  PoolMode mode_ = PoolMode::transaction;
  bool attached_ = false;
  pool::Settings wanted_;       // the client's session settings, replayed on each lease
  pool::PinSet pins_ = 0;       // state that keeps the lease (non-session modes)
  bool probe_needed_ = false;   // a statement may have changed session state
  bool unsynced_ = false;       // messages sent since the last Sync / Query
  bool internal_busy_ = false;  // the proxy runs its own query on the lease
  bool relay_running_ = false;
  bool detaching_ = false;  // the client left; the relay finishes the lease
  pool::ClientStatements statements_;
  std::string unnamed_sql_;
  Bytes unnamed_types_;
  std::uint64_t unnamed_tag_ = 0;
  std::deque<ParseExpect> parse_expect_;
  // Replies to a Parse…Sync batch answered without a server connection.
  Bytes local_reply_;
  bool local_batch_ = false;
  std::chrono::steady_clock::time_point lease_start_;
  std::chrono::steady_clock::time_point batch_start_;

  std::string user_;
  std::string database_;
  std::string profile_;
  policy::SessionContext gate_context_;
  ClientCancelKey cancel_key_;
  bool registered_ = false;

  StatementAudit audit_;
  std::vector<Denial> denials_;       // usually empty; a few entries at most
  std::uint64_t syncs_sent_ = 0;      // Query, Sync, FunctionCall sent to the server
  std::uint64_t syncs_received_ = 0;  // ReadyForQuery received from the server
  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::steady_clock::time_point request_started_;  // first message after the last RFQ
  net::SessionHandle registration_;                        // in /api/v1/clients while logged in
  bool client_writing_ = false;
  bool closed_ = false;
};

}  // namespace sw::pg
