#pragma once
// One authenticated connection to a backend PostgreSQL server. It owns its
// socket, read buffer and protocol state, independent of any client: the
// pool can later hand it from client to client at a ReadyForQuery 'I'
// boundary (tx_status() == 'I' and nothing in flight).
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/tls.hpp"
#include "proxy/pg/auth/credential.hpp"
#include "proxy/pg/auth/scram.hpp"
#include "proxy/pg/cancel_registry.hpp"
#include "proxy/pg/message_reader.hpp"

namespace sw::pg {

struct ServerLogin {
  Endpoint backend;
  std::string user;
  auth::BackendCredential credential;
  std::string database;
  // Other startup parameters to pass on (application_name, options, ...).
  std::vector<std::pair<std::string, std::string>> params;
  std::chrono::milliseconds connect_timeout{5000};
  const TlsConfig* tls = nullptr;
  net::TlsContext* tls_context = nullptr;            // set when tls->mode != disabled
  auth::SaltedPasswordCache* scram_cache = nullptr;  // the worker's, optional
};

class ServerConnection {
 public:
  struct Failure {
    std::string problem;  // for the log
    Bytes error_message;  // the server's own ErrorResponse, to relay verbatim (may be empty)
  };
  // Connects, negotiates TLS if configured, authenticates and reads up to
  // the first ReadyForQuery.
  static net::awaitable<std::pair<std::unique_ptr<ServerConnection>, Failure>> open(
      const ServerLogin& login);

  explicit ServerConnection(net::Stream stream, Endpoint backend)
      : stream_(std::move(stream)), reader_(16 * 1024), backend_(std::move(backend)) {}

  net::Stream& stream() noexcept { return stream_; }
  MessageReader& reader() noexcept { return reader_; }

  // Transaction status from the last ReadyForQuery: 'I', 'T' or 'E'.
  char tx_status() const noexcept { return tx_status_; }
  void set_tx_status(char s) noexcept { tx_status_ = s; }

  CancelTarget cancel_target() const { return {backend_, backend_pid_, backend_key_}; }
  // ParameterStatus values reported during startup (server_version, ...).
  const std::vector<std::pair<std::string, std::string>>& parameters() const noexcept {
    return parameters_;
  }
  // NoticeResponse messages sent during startup, to relay to the client.
  const Bytes& startup_notices() const noexcept { return startup_notices_; }

  // Sends Terminate (best effort) and closes.
  net::awaitable<void> close();

 private:
  net::awaitable<Result<std::string>> authenticate(const ServerLogin& login, Bytes& server_error);

  net::Stream stream_;
  MessageReader reader_;
  Endpoint backend_;
  char tx_status_ = 'I';
  std::uint32_t backend_pid_ = 0;
  std::uint32_t backend_key_ = 0;
  std::vector<std::pair<std::string, std::string>> parameters_;
  Bytes startup_notices_;
};

}  // namespace sw::pg
