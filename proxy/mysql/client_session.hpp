#pragma once
// One client of the MySQL listener, from greeting to COM_QUIT: the proxy
// plays the server (Handshake v10, its own authentication against the
// configured users), logs in to the backend through a ServerConnection,
// then runs the command loop — every COM_QUERY and COM_STMT_PREPARE passes
// the statement gate first; answers are relayed verbatim, packet by packet.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "proxy/mysql/codec/handshake.hpp"
#include "proxy/mysql/codec/response_tracker.hpp"
#include "proxy/mysql/codec/special_statements.hpp"
#include "proxy/mysql/listener_context.hpp"
#include "proxy/mysql/packet_channel.hpp"
#include "proxy/mysql/server_connection.hpp"
#include "proxy/net/connection_tracker.hpp"
#include "proxy/net/session_registry.hpp"

namespace sw::mysql {

class ClientSession {
 public:
  ClientSession(std::shared_ptr<const ListenerContext> ctx, net::tcp::socket socket,
                net::ConnectionSlot slot);
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  net::awaitable<void> run();

 private:
  // Connection phase; false when the session is over (error already sent).
  net::awaitable<bool> handshake();
  net::awaitable<Result<bool>> authenticate_client(const HandshakeResponse& response,
                                                   std::uint8_t& seq);
  net::awaitable<bool> login_backend(const HandshakeResponse& response, std::uint8_t seq);
  // Login-phase exchanges: the client's next packet as one payload (seq
  // advanced past it), or nullopt when the client is gone or broke framing.
  net::awaitable<std::optional<Bytes>> read_login_payload(std::uint8_t& seq);
  // Sends one packet whose payload `encode` writes, then reads the answer.
  net::awaitable<std::optional<Bytes>> ask_client(std::uint8_t& seq,
                                                  const std::function<void(Bytes&)>& encode);

  // Command phase; false ends the session.
  net::awaitable<bool> command_loop_step();
  net::awaitable<bool> handle_command(ByteSpan raw, ByteSpan payload, std::uint8_t seq);
  net::awaitable<bool> forward(ByteSpan raw, ResponseKind kind, std::uint8_t seq);
  // At a result start: a LOCAL INFILE request is relayed to the client (and
  // its file back) only when it names the next expected file. 1 = handled,
  // 0 = not such a request, -1 = the session must end.
  net::awaitable<int> relay_local_infile();
  net::awaitable<bool> handle_kill(const KillStatement& kill, std::uint8_t seq);
  net::awaitable<bool> handle_change_user(ByteSpan payload, std::uint8_t seq);
  // True when the gate lets `sql` through; otherwise the denial was sent.
  net::awaitable<Result<bool>> admit(std::string_view sql, std::uint8_t seq);

  net::awaitable<bool> send_err(std::uint16_t code, std::string_view sqlstate,
                                std::string_view message, std::uint8_t seq);
  net::awaitable<bool> send_ok(std::uint8_t seq);
  std::string peer_host() const;
  void set_backend_tls(BackendLogin& login) const;
  void close_all();
  // Lists the session in /api/v1/clients (kill closes its sockets).
  void register_session();

  std::shared_ptr<const ListenerContext> ctx_;
  PacketChannel client_;
  net::ConnectionSlot slot_;
  std::unique_ptr<ServerConnection> server_;
  ResponseTracker tracker_;
  Bytes scratch_;
  Bytes command_;                  // joined payload of a command split over several packets
  std::size_t command_bytes_ = 0;  // the current command's bytes, still in client_'s buffer
  std::string scramble_;
  std::uint32_t connection_id_ = 0;
  std::uint32_t capabilities_ = 0;  // negotiated with the client (and the backend)
  std::uint16_t server_status_ = 0;
  std::uint8_t charset_ = 0;
  std::string user_;
  std::string database_;
  std::string profile_;
  std::string backend_user_;
  std::string backend_password_;
  std::string connect_attrs_;
  std::string host_;
  // LOAD DATA LOCAL file names of the current request, in order (local_infile.hpp).
  std::deque<std::string> expected_files_;
  net::SessionHandle registration_;  // in /api/v1/clients while logged in
};

}  // namespace sw::mysql
