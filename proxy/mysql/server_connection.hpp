#pragma once
// The proxy's connection to a backend MariaDB/MySQL server: connect, read
// the greeting, log in with the backend credentials (answering the
// server's scramble, auth switches and caching_sha2 exchanges), then carry
// commands and hand the answer's bytes to whoever relays them. It knows
// nothing about the client on the other side, so the pool can lend it to
// any client session whose negotiated capabilities match.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "pool/server_handle.hpp"
#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/mysql/codec/handshake.hpp"
#include "proxy/mysql/codec/messages.hpp"
#include "proxy/mysql/packet_channel.hpp"
#include "proxy/net/tls.hpp"

namespace sw::mysql {

struct BackendLogin {
  std::string user;
  std::string password;
  // SHA1(pw) when the password itself is unknown (a user configured by its
  // mysql_native_password hash): answers mysql_native_password only.
  std::string native_stage1;
  std::optional<std::string> database;
  std::uint32_t capabilities = 0;      // the client's negotiated set; login flags are added
  std::uint32_t ext_capabilities = 0;  // MariaDB's (ext_cap), the client's negotiated set
  std::uint8_t charset = 0;
  std::string connect_attrs;
  // TLS towards the backend: the listener's server_tls and its context
  // (null when disabled or unavailable).
  const TlsConfig* tls = nullptr;
  net::TlsContext* tls_context = nullptr;
  std::string host;  // for certificate name checks
};

// The server's verdict on a login or COM_CHANGE_USER: ok, or its ERR.
struct LoginOutcome {
  std::optional<ErrPacket> error;
  std::uint16_t status = 0;
};

class ServerConnection;

// A backend connection attempt: the connection, or the server's own ERR
// (a greeting refusal such as 1040/1129, or the login's 1045/1044/1049/1862)
// to relay to the client verbatim.
struct Opened {
  std::unique_ptr<ServerConnection> connection;  // null when `error` is set
  std::optional<ErrPacket> error;
  std::uint16_t status = 0;  // after a login: the OK's status flags
};

class ServerConnection : public pool::ServerHandle {
 public:
  // TCP connect and read the greeting (remembered in BackendProfiles).
  static net::awaitable<Result<Opened>> connect(const Endpoint& backend,
                                                std::chrono::milliseconds timeout);
  // connect + login: the one step the pool performs to add a connection.
  static net::awaitable<Result<Opened>> open(const Endpoint& backend, const BackendLogin& login,
                                             std::chrono::milliseconds timeout);

  const Greeting& greeting() const noexcept { return greeting_; }
  std::uint32_t thread_id() const noexcept { return greeting_.connection_id; }
  std::uint32_t capabilities() const noexcept { return capabilities_; }
  std::uint32_t ext_capabilities() const noexcept { return ext_capabilities_; }
  PacketChannel& channel() noexcept { return channel_; }
  // An idle connection the server closed (wait_timeout, KILL, restart) is
  // readable: EOF or the server's farewell ERR. Nothing else arrives unasked.
  // quiet() asks the kernel (one poll); the lease asks once per borrow and
  // the pool's periodic idle check asks too, while usable() (at every release
  // and pool lookup) only looks at what was read already.
  bool quiet() const noexcept;
  bool usable() const noexcept override;
  bool idle_check() const noexcept override;

  net::awaitable<Result<LoginOutcome>> login(const BackendLogin& login);
  net::awaitable<Result<LoginOutcome>> change_user(const BackendLogin& login);
  // COM_RESET_CONNECTION: session state back to a fresh login's, same user.
  net::awaitable<Result<LoginOutcome>> reset();
  // COM_INIT_DB.
  net::awaitable<Result<LoginOutcome>> init_db(std::string_view database);
  // COM_STMT_PREPARE whose answer is read and dropped (a statement the
  // client prepared on another connection): the server's statement id, or
  // its ERR in `error`.
  net::awaitable<Result<LoginOutcome>> prepare(std::string_view sql, std::uint32_t& id);
  // COM_STMT_CLOSE (no answer).
  net::awaitable<Status> close_statement(std::uint32_t id);

  // What this connection's session holds, for the pool's reconciliation.
  struct SessionView {
    std::string database;
    std::uint8_t charset = 0;
    std::string settings_key;  // the client replay list last applied (ClientState)
    bool dirty = false;        // state the pool cannot see: reset before reuse
    std::uint64_t last_insert_id = 0;
    // Statements prepared here by SQL text, shared by the clients it serves.
    std::unordered_map<std::string, std::uint32_t> statements;
  };
  SessionView& session() noexcept { return session_; }
  // The login it was opened with (COM_CHANGE_USER resets with it).
  const BackendLogin& login_used() const noexcept { return login_; }
  // Runs one statement whose answer is a single OK/ERR (KILL QUERY).
  net::awaitable<Result<LoginOutcome>> execute_simple(std::string_view sql);
  // Runs a query of the proxy's own (auth_query, never client traffic) and
  // reads its text rows, at most `max_rows` kept; the server's ERR as `error`.
  struct Rows {
    std::vector<TextRow> rows;
    std::optional<ErrPacket> error;
  };
  net::awaitable<Result<Rows>> query_rows(std::string_view sql, std::size_t max_rows);
  // COM_QUIT and close; the server logs no "aborted connection".
  net::awaitable<void> quit();
  // Mid-exchange the server would take COM_QUIT as data: end with a FIN.
  void skip_goodbye() noexcept { goodbye_ = false; }

  explicit ServerConnection(PacketChannel channel) : channel_(std::move(channel)) {}

 protected:
  // COM_QUIT, then wait for the server to close (its thread has left
  // Threads_connected by then) before the pool reuses the slot.
  void retire_self(std::unique_ptr<pool::ServerHandle> self, std::function<void()> gone) override;

 private:
  // SSLRequest + TLS handshake when configured; returns the next sequence id.
  net::awaitable<Result<std::uint8_t>> start_tls(const BackendLogin& login, std::uint32_t& caps);
  // Sends the command in scratch_ and reads its single OK/ERR answer.
  net::awaitable<Result<LoginOutcome>> simple_command();
  // Answers switches and AuthMoreData until OK/ERR, with login_'s secret.
  net::awaitable<Result<LoginOutcome>> finish_auth(std::string plugin, std::string scramble,
                                                   std::uint8_t seq);

  PacketChannel channel_;
  Greeting greeting_;
  BackendLogin login_;
  SessionView session_;
  std::uint32_t capabilities_ = 0;
  std::uint32_t ext_capabilities_ = 0;
  Bytes scratch_;
  bool goodbye_ = true;
};

}  // namespace sw::mysql
