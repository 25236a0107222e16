#pragma once
// The proxy's connection to a backend MariaDB/MySQL server: connect, read
// the greeting, log in with the backend credentials (answering the
// server's scramble, auth switches and caching_sha2 exchanges), then carry
// commands and hand the answer's bytes to whoever relays them. It knows
// nothing about the client on the other side, so the pool can lend it to
// any client session whose negotiated capabilities match.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

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
  std::optional<std::string> database;
  std::uint32_t capabilities = 0;  // the client's negotiated set; login flags are added
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

class ServerConnection {
 public:
  static net::awaitable<Result<std::unique_ptr<ServerConnection>>> connect(
      const Endpoint& backend, std::chrono::milliseconds timeout);

  const Greeting& greeting() const noexcept { return greeting_; }
  std::uint32_t thread_id() const noexcept { return greeting_.connection_id; }
  std::uint32_t capabilities() const noexcept { return capabilities_; }
  PacketChannel& channel() noexcept { return channel_; }

  net::awaitable<Result<LoginOutcome>> login(const BackendLogin& login);
  net::awaitable<Result<LoginOutcome>> change_user(const BackendLogin& login);
  // Runs one statement whose answer is a single OK/ERR (KILL QUERY).
  net::awaitable<Result<LoginOutcome>> execute_simple(std::string_view sql);
  // COM_QUIT and close; the server logs no "aborted connection".
  net::awaitable<void> quit();

  explicit ServerConnection(PacketChannel channel) : channel_(std::move(channel)) {}

 private:
  // SSLRequest + TLS handshake when configured; returns the next sequence id.
  net::awaitable<Result<std::uint8_t>> start_tls(const BackendLogin& login, std::uint32_t& caps);
  net::awaitable<Result<LoginOutcome>> finish_auth(std::string plugin, std::string scramble,
                                                   const std::string& password, std::uint8_t seq);

  PacketChannel channel_;
  Greeting greeting_;
  std::uint32_t capabilities_ = 0;
  Bytes scratch_;
};

}  // namespace sw::mysql
