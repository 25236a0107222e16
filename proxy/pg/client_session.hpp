#pragma once
// One PostgreSQL client connection: startup (TLS, cancel, protocol checks),
// authentication by the proxy, then the message relay with the statement
// gate on every Query and Parse. Server connections belong to the pool: the
// client→server coroutine borrows one when the client sends work (per
// transaction, statement or session, by pool mode), a server→client
// coroutine runs for as long as the lease lasts and gives the connection
// back at ReadyForQuery 'I' with nothing in flight and nothing pinned.
// Both run on the session's worker, so the state below needs no locks.
//
// LISTEN/UNLISTEN in transaction and statement mode are answered here and
// registered with the pool key's ListenHub (listen_hub.hpp), whose one
// listening server connection fans notifications out to this session on
// this worker (on_notification). They are queued and written only between
// the client's transactions: before a ReadyForQuery 'I', or at once while
// the client is idle. Writes to the client are serialised (write_client
// waits for a write in progress), so a notification never lands inside a
// result.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "policy/gate.hpp"
#include "pool/session_state.hpp"
#include "pool/shard.hpp"
#include "proxy/core/fifo.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/session_registry.hpp"
#include "proxy/net/tls.hpp"
#include "proxy/pg/cancel_registry.hpp"
#include "proxy/pg/listen_hub.hpp"
#include "proxy/pg/listen_sql.hpp"
#include "proxy/pg/listener_context.hpp"
#include "proxy/pg/message_reader.hpp"
#include "proxy/pg/server_connection.hpp"
#include "proxy/pg/statement_audit.hpp"

namespace sw::pg {

class ClientSession : public std::enable_shared_from_this<ClientSession>, public NotificationSink {
 public:
  ClientSession(std::shared_ptr<ListenerContext> ctx, net::tcp::socket socket,
                net::ConnectionSlot slot);
  ~ClientSession() override;

  net::awaitable<void> run();
  void on_notification(const std::shared_ptr<const Bytes>& message,
                       const std::string& channel) override;

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

  // LISTEN/NOTIFY under pooling.
  // A Query that is one LISTEN/UNLISTEN, while no server connection is held
  // and nothing is in flight: answered here. 0 = not such a Query, 1 =
  // answered, -1 = the client is gone.
  net::awaitable<int> answer_listen_locally(ByteSpan message);
  // Subscribes at the hub and waits until the listening connection LISTENs
  // on `channel`; "" or the error to report.
  net::awaitable<std::string> hub_listen(const std::string& channel);
  // At a transaction's end: what the hub has for this client becomes what
  // the client listens on.
  void reconcile_hub();
  // The server's answer to a Query of this session: command tags (COMMIT,
  // ROLLBACK, DISCARD ALL, the stand-in of an intercepted LISTEN), errors,
  // ReadyForQuery. True when `message` was rewritten into `out`.
  bool listen_on_command_complete(ByteSpan message, Bytes& out);
  void listen_on_ready_for_query(char tx);
  // The transaction's LISTEN/UNLISTEN take effect (COMMIT), or not.
  void commit_listen();
  void rollback_listen();
  bool deliverable() const noexcept;
  void kick_notifications();
  net::awaitable<void> write_notifications();
  void append_notifications(Bytes& out);

  net::awaitable<bool> wait_writable();
  net::awaitable<bool> write_client(ByteSpan bytes);
  net::awaitable<bool> write_client(ByteSpan first, ByteSpan second);
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
  Fifo<ParseExpect> parse_expect_;
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
  net::asio::steady_timer write_done_;  // wakes writers waiting for client_writing_

  // LISTEN/NOTIFY under pooling.
  std::shared_ptr<ListenHub> hub_;
  pool::SubscriberId listen_id_ = 0;
  std::set<std::string> listening_;     // committed: notifications on these are delivered
  std::set<std::string> hub_channels_;  // subscribed at the hub (+ this transaction's LISTENs)
  ListenTransaction listen_tx_;
  struct ListenExpect {
    std::uint64_t sync_seq;  // the Query whose stand-in answers it
    ListenOp op;
    bool done = false;  // the stand-in completed
  };
  Fifo<ListenExpect> listen_expect_;
  struct SavepointExpect {
    std::uint64_t sync_seq;
    SavepointOp op;
  };
  Fifo<SavepointExpect> savepoint_expect_;
  bool batch_error_ = false;   // an ErrorResponse since the last ReadyForQuery
  bool saw_rollback_ = false;  // a ROLLBACK tag since the last ReadyForQuery
  // Queued notifications with their arrival number (the hub's order).
  Fifo<std::pair<std::uint64_t, std::shared_ptr<const Bytes>>> notify_queue_;
  std::uint64_t notify_arrivals_ = 0;
  bool notify_writer_ = false;
  bool listen_busy_ = false;    // answering a LISTEN locally
  std::string pending_listen_;  // its channel: notifications on it are queued already
  bool relay_at_rest_ = false;  // the relay waits for the server with nothing in flight
  bool overflowed_ = false;
  // Notifications this transaction's own server connection sent on a
  // channel it LISTENed in the same transaction: they may overtake the
  // COMMIT's answer, and belong to the client once it commits.
  struct Tentative {
    std::uint64_t arrival;
    std::shared_ptr<const Bytes> message;
    std::string channel;
  };
  std::vector<Tentative> tentative_;
};

}  // namespace sw::pg
