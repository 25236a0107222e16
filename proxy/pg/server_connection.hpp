#pragma once
// One authenticated connection to a backend PostgreSQL server, owned by the
// pool and lent to one client at a time. Besides its socket and read buffer
// it remembers the session state the proxy put on it (settings, reported
// parameters, which pooled prepared statements exist, whose unnamed
// statement it holds), so the next borrower only sends the difference.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pool/prepared.hpp"
#include "pool/server_handle.hpp"
#include "pool/session_state.hpp"
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

class ServerConnection : public pool::ServerHandle {
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

  // ---- pooling state ----
  // Session-level settings the proxy knows are in effect (name → value).
  pool::Settings& settings() noexcept { return settings_; }
  // Latest ParameterStatus value per name (what a client on it was told).
  std::vector<std::pair<std::string, std::string>>& reported() noexcept { return parameters_; }
  void note_parameter(std::string_view name, std::string_view value);
  pool::ServerStatements& prepared() noexcept { return prepared_; }
  // Tag of the client unnamed statement this connection holds (0 = none known).
  std::uint64_t unnamed_tag = 0;

  // While idle in the pool: watch the socket, so a connection the server
  // closed (restart, pg_terminate_backend) is noticed before it is lent.
  void watch_while_idle();
  void stop_watching();
  bool broken() const noexcept { return watch_->broken; }
  void mark_broken() noexcept { watch_->broken = true; }
  bool usable() const noexcept override { return !watch_->broken; }

 protected:
  // Terminate, then wait for the backend to close (it has left
  // pg_stat_activity by then) before the pool reuses the slot.
  void retire_self(std::unique_ptr<pool::ServerHandle> self, std::function<void()> gone) override;

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
  pool::Settings settings_;
  pool::ServerStatements prepared_;
  // Shared with the pending wait's handler, which may run after a lease
  // began (generation moved on: ignored) or after this object died.
  struct Watch {
    std::uint64_t generation = 0;
    bool watching = false;
    bool broken = false;
  };
  std::shared_ptr<Watch> watch_ = std::make_shared<Watch>();
};

}  // namespace sw::pg
