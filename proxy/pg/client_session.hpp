#pragma once
// One PostgreSQL client connection: startup (TLS, cancel, protocol checks),
// authentication by the proxy, login to the backend through a
// ServerConnection, then the message relay with the statement gate on
// every Query and Parse. Two coroutines relay the two directions; both run
// on the session's worker, so the shared state below needs no locks.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policy/gate.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/session_registry.hpp"
#include "proxy/net/tls.hpp"
#include "proxy/pg/cancel_registry.hpp"
#include "proxy/pg/listener_context.hpp"
#include "proxy/pg/message_reader.hpp"
#include "proxy/pg/server_connection.hpp"

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

  net::awaitable<bool> startup();
  // Backend login basics (endpoint, TLS, timeouts) for `user` on `database`.
  ServerLogin backend_login(std::string user, std::string database) const;
  // The backend's stored secret for user_ (auth_user/auth_query).
  net::awaitable<Result<std::optional<Secret>>> look_up_user();
  net::awaitable<bool> handle_cancel_request(std::uint32_t pid, std::uint32_t key);
  net::awaitable<void> client_to_server();
  net::awaitable<void> server_to_client();
  net::awaitable<void> idle_watchdog();

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

  // Rewrites the server's marker syntax error into the denial; false when
  // `message` is not the marker error.
  bool rewrite_denial(ByteSpan message, Bytes& out) const;

  std::shared_ptr<ListenerContext> ctx_;
  net::Stream client_;
  MessageReader reader_;
  net::ConnectionSlot slot_;
  std::unique_ptr<ServerConnection> server_;
  net::asio::steady_timer timer_;  // auth deadline, then idle watchdog

  std::string user_;
  std::string database_;
  std::string profile_;
  policy::SessionContext gate_context_;
  ClientCancelKey cancel_key_;
  bool registered_ = false;

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
