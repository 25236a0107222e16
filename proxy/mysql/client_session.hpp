#pragma once
// One client of the MySQL listener, from greeting to COM_QUIT: the proxy
// plays the server (Handshake v10 from the backend's cached greeting, its
// own authentication against the configured users), then runs the command
// loop — every COM_QUERY and COM_STMT_PREPARE passes the statement gate
// first; answers are relayed verbatim, packet by packet. Server connections
// come from the pool (ServerLease): held for the whole session in session
// mode, borrowed per transaction or statement otherwise, with the client's
// session state (ClientState) following it from connection to connection.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "proxy/core/fifo.hpp"
#include "proxy/mysql/backend_profile.hpp"
#include "proxy/mysql/client_state.hpp"
#include "proxy/mysql/codec/handshake.hpp"
#include "proxy/mysql/codec/response_tracker.hpp"
#include "proxy/mysql/codec/session_effects.hpp"
#include "proxy/mysql/codec/special_statements.hpp"
#include "proxy/mysql/connection_registry.hpp"
#include "proxy/mysql/listener_context.hpp"
#include "proxy/mysql/packet_channel.hpp"
#include "proxy/mysql/pooling.hpp"
#include "proxy/mysql/server_connection.hpp"
#include "proxy/mysql/server_lease.hpp"
#include "proxy/mysql/statement_audit.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/session_registry.hpp"

namespace sw::mysql {

struct KillSwitch;

class ClientSession {
 public:
  ClientSession(std::shared_ptr<const ListenerContext> ctx, std::shared_ptr<MysqlPools> pools,
                net::tcp::socket socket, net::ConnectionSlot slot);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  net::awaitable<void> run();

 private:
  // Connection phase; false when the session is over (error already sent).
  net::awaitable<bool> handshake();
  net::awaitable<Result<bool>> authenticate_client(const HandshakeResponse& response,
                                                   std::uint8_t& seq);
  // Joins the user's pool and checks a server connection can be had for
  // it (backend login errors reach the client here, verbatim).
  net::awaitable<bool> login_backend(const HandshakeResponse& response, std::uint8_t seq);
  // Version and capabilities to greet with: cached, or read from the
  // backend's greeting. nullopt when the backend cannot be reached (the
  // client was told).
  net::awaitable<std::optional<BackendProfile>> backend_profile();
  // The entry of a user that only the backend knows (auth_user), or null.
  net::awaitable<const UserConfig*> find_backend_only_user(std::string_view name);
  net::awaitable<bool> send_backend_unreachable(std::string_view why, std::uint8_t seq);
  // Login-phase exchanges: the client's next packet as one payload (seq
  // advanced past it), or nullopt when the client is gone or broke framing.
  net::awaitable<std::optional<Bytes>> read_login_payload(std::uint8_t& seq);
  // Sends one packet whose payload `encode` writes, then reads the answer.
  net::awaitable<std::optional<Bytes>> ask_client(std::uint8_t& seq,
                                                  const std::function<void(Bytes&)>& encode);

  // Pooling.
  void bind_pool(const std::optional<std::string>& database);
  // Joins the user's pool (max_client_connections) and borrows once, so the
  // backend's verdict on user and database reaches the client now;
  // false when the client was told why not.
  net::awaitable<bool> join_pool(const std::optional<std::string>& database, std::uint8_t seq);
  // A server connection for the next command; false when the client was
  // sent the reason there is none (the session goes on).
  net::awaitable<bool> ensure_server(std::uint8_t seq);
  // Hands the connection back when nothing ties the client to it.
  void release_if_idle();
  // Session mode: CONNECTION_ID() answers the greeting's id (best effort).
  net::awaitable<void> align_connection_id();
  bool pooled() const noexcept { return mode_ != PoolMode::session; }

  // Command phase; false ends the session.
  net::awaitable<bool> command_loop_step();
  // Between commands: waits until the client sends something, holding no
  // read buffer. True when the backend of a held connection spoke or closed
  // first instead (KILL, wait_timeout, shutdown): its bytes were relayed,
  // the session ends.
  net::awaitable<bool> wait_idle();
  net::awaitable<bool> handle_command(ByteSpan raw, ByteSpan payload, std::uint8_t seq);
  net::awaitable<bool> handle_query(ByteSpan raw, std::string_view sql, std::uint8_t seq);
  net::awaitable<bool> handle_simple(ByteSpan raw, ResponseKind kind, std::uint8_t seq);
  net::awaitable<bool> handle_init_db(ByteSpan raw, std::string_view db, std::uint8_t seq);
  // With pin_database: `db` is the listener's database, or the client got
  // error 1044 (false).
  net::awaitable<bool> database_allowed(std::string_view db, std::uint8_t seq, bool at_login);
  // Sends `bytes` (whole packets) to the server and relays its answer.
  net::awaitable<bool> forward(ByteSpan bytes, ResponseKind kind, std::uint8_t seq);
  net::awaitable<bool> relay(ResponseKind kind, std::uint8_t seq, std::uint64_t received = 0);
  // At a result start: a LOCAL INFILE request is relayed to the client (and
  // its file back) only when it names the next expected file. 1 = handled,
  // 0 = not such a request, -1 = the session must end.
  net::awaitable<int> relay_local_infile();
  void register_session();
  // The server connection failed under a command: the client hears of it;
  // false when its session cannot go on.
  net::awaitable<bool> server_lost(std::string_view what, std::uint8_t seq);
  net::awaitable<bool> handle_kill(const KillStatement& kill, std::uint8_t seq);
  net::awaitable<bool> handle_change_user(ByteSpan payload, std::uint8_t seq);
  net::awaitable<bool> handle_reset_connection(ByteSpan raw, std::uint8_t seq);
  // True when the gate lets `sql` through; otherwise the denial was sent.
  // The gate's decision on `sql` in this session's context (user, database, profile).
  policy::Decision gate_check(std::string_view sql) const;
  net::awaitable<Result<bool>> admit(std::string_view sql, std::uint8_t seq);
  // Transaction/statement mode: refuses what the pool cannot carry (strict
  // pools, statement mode); true when the refusal was sent.
  net::awaitable<Result<bool>> refuse_unpoolable(const SessionEffects& effects, std::uint8_t seq);
  void apply_effects(const SessionEffects& effects, bool succeeded);

  // Binary protocol (client_statements.cpp).
  net::awaitable<bool> handle_prepare(ByteSpan raw, std::string_view sql, std::uint8_t seq);
  net::awaitable<bool> handle_statement_command(Command cmd, ByteSpan payload, std::uint8_t seq);
  // The server's id for the client's statement on the held connection,
  // preparing it there first if needed; nullopt when the client was told why not.
  net::awaitable<std::optional<std::uint32_t>> server_statement(const ClientStatement& st,
                                                                std::uint8_t seq);

  net::awaitable<bool> send_err(std::uint16_t code, std::string_view sqlstate,
                                std::string_view message, std::uint8_t seq);
  net::awaitable<bool> send_err(const ErrPacket& err, std::uint8_t seq);
  net::awaitable<bool> send_ok(std::uint8_t seq);
  void set_backend_tls(BackendLogin& login) const;
  parsers::MysqlLexOptions lex_options() const noexcept;
  void close_all();

  std::shared_ptr<const ListenerContext> ctx_;
  std::shared_ptr<MysqlPools> pools_;
  PacketChannel client_;
  net::ConnectionSlot slot_;
  std::unique_ptr<ServerConnection> probe_;  // read the first greeting; closed after login
  ServerLease lease_;
  ClientState state_;
  PoolMode mode_ = PoolMode::session;
  bool strict_ = false;
  bool pool_client_ = false;   // counted by the shard (max_client_connections)
  bool session_over_ = false;  // a lost server connection took the client's session with it
  ResponseTracker tracker_;
  StatementAudit audit_;
  policy::Decision admitted_;  // the gate's verdict on the current command's SQL
  std::shared_ptr<KillSwitch> kill_switch_;
  Bytes scratch_;
  Bytes command_;  // joined payload of a command split over several packets
  std::string scramble_;
  std::uint32_t connection_id_ = 0;
  std::uint32_t capabilities_ = 0;      // negotiated with the client (and the backend)
  std::uint32_t ext_capabilities_ = 0;  // MariaDB's extended ones (ext_cap), likewise
  std::uint16_t server_status_ = 0;
  std::string user_;
  std::string profile_;
  std::string backend_user_;
  std::string backend_password_;
  std::string backend_stage1_;  // SHA1(pw) of a user configured by its hash
  // A user known only to the backend (auth_user / auth_query): its entry.
  std::optional<UserConfig> backend_only_user_;
  std::string connect_attrs_;
  std::string host_;
  // LOAD DATA LOCAL file names of the current request, in order (local_infile.hpp).
  Fifo<std::string> expected_files_;
  std::size_t command_bytes_ = 0;    // the current command's bytes, still in client_'s buffer
  net::SessionHandle registration_;  // in /api/v1/clients while logged in
};

}  // namespace sw::mysql
