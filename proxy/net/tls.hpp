#pragma once
// TLS for any protocol driver: OpenSSL contexts built from a TlsConfig and a
// Stream that starts as plain TCP and may be upgraded in place (PostgreSQL's
// SSLRequest, MySQL's SSL request packet both switch mid-connection).
#include <memory>
#include <string>

#include <boost/asio/ssl.hpp>

#include "proxy/core/bytes.hpp"
#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/asio.hpp"

namespace sw::net {

using TlsContext = asio::ssl::context;

// Proxy as TLS server towards clients: certificate chain + key from files.
Result<std::shared_ptr<TlsContext>> make_server_tls_context(const TlsConfig& config);
// Proxy as TLS client towards a backend: verifies the peer when ca_file is set.
Result<std::shared_ptr<TlsContext>> make_client_tls_context(const TlsConfig& config);

// A byte stream over TCP, optionally wrapped in TLS. Reads and writes report
// errors through `ec`; one read and one write may be outstanding at a time.
class Stream {
 public:
  explicit Stream(tcp::socket socket) : plain_(std::move(socket)) {}

  bool is_tls() const noexcept { return tls_ != nullptr; }
  tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : plain_; }

  awaitable<std::size_t> read_some(asio::mutable_buffer buffer, error_code& ec) {
    if (tls_) co_return co_await tls_->async_read_some(buffer, nothrow(ec));
    co_return co_await plain_.async_read_some(buffer, nothrow(ec));
  }

  template <class ConstBufferSequence>
  awaitable<void> write(const ConstBufferSequence& buffers, error_code& ec) {
    if (tls_)
      co_await asio::async_write(*tls_, buffers, nothrow(ec));
    else
      co_await asio::async_write(plain_, buffers, nothrow(ec));
  }

  // TLS handshake as server (after answering 'S' to an SSLRequest). Any
  // bytes the peer sent before the handshake must have been rejected by the
  // caller: they would otherwise be a plaintext injection.
  awaitable<Status> accept_tls(TlsContext& context);
  // TLS handshake as client; `host` is used for SNI and name verification.
  awaitable<Status> connect_tls(TlsContext& context, const std::string& host, bool verify_name);

  // RFC 5929 tls-server-end-point channel binding data of our own
  // certificate on this connection (empty when not TLS): the hash of the
  // certificate with its signature's digest (SHA-256 for MD5/SHA-1).
  Bytes tls_server_end_point() const;

  void close() noexcept {
    error_code ignore;
    socket().shutdown(tcp::socket::shutdown_both, ignore);
    socket().close(ignore);
  }

 private:
  tcp::socket plain_;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls_;
};

}  // namespace sw::net
