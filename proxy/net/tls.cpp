#include "proxy/net/tls.hpp"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace sw::net {

namespace {

Error tls_error(const std::string& what, const error_code& ec) {
  return make_error(Errc::config, what + ": " + ec.message());
}

}  // namespace

Result<std::shared_ptr<TlsContext>> make_server_tls_context(const TlsConfig& config) {
  auto ctx = std::make_shared<TlsContext>(TlsContext::tls_server);
  error_code ec;
  ctx->set_options(TlsContext::default_workarounds | TlsContext::no_sslv2 | TlsContext::no_sslv3 |
                       TlsContext::no_tlsv1 | TlsContext::no_tlsv1_1 | TlsContext::single_dh_use,
                   ec);
  ctx->use_certificate_chain_file(config.cert_file, ec);
  if (ec) return tls_error("TLS certificate " + config.cert_file, ec);
  ctx->use_private_key_file(config.key_file, TlsContext::pem, ec);
  if (ec) return tls_error("TLS key " + config.key_file, ec);
  if (!config.ca_file.empty()) {
    ctx->load_verify_file(config.ca_file, ec);
    if (ec) return tls_error("TLS CA " + config.ca_file, ec);
  }
  return ctx;
}

Result<std::shared_ptr<TlsContext>> make_client_tls_context(const TlsConfig& config) {
  auto ctx = std::make_shared<TlsContext>(TlsContext::tls_client);
  error_code ec;
  ctx->set_options(TlsContext::default_workarounds | TlsContext::no_sslv2 | TlsContext::no_sslv3 |
                       TlsContext::no_tlsv1 | TlsContext::no_tlsv1_1,
                   ec);
  if (!config.ca_file.empty()) {
    ctx->load_verify_file(config.ca_file, ec);
    if (ec) return tls_error("TLS CA " + config.ca_file, ec);
    ctx->set_verify_mode(asio::ssl::verify_peer, ec);
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none, ec);
  }
  if (!config.cert_file.empty()) {
    ctx->use_certificate_chain_file(config.cert_file, ec);
    if (ec) return tls_error("TLS certificate " + config.cert_file, ec);
    ctx->use_private_key_file(config.key_file, TlsContext::pem, ec);
    if (ec) return tls_error("TLS key " + config.key_file, ec);
  }
  return ctx;
}

Bytes Stream::tls_server_end_point() const {
  if (!tls_) return {};
  X509* cert = SSL_get_certificate(const_cast<SSL*>(tls_->native_handle()));
  if (!cert) return {};
  int digest_nid = NID_undef;
  if (!OBJ_find_sigid_algs(X509_get_signature_nid(cert), &digest_nid, nullptr)) return {};
  if (digest_nid == NID_md5 || digest_nid == NID_sha1) digest_nid = NID_sha256;
  const EVP_MD* md = EVP_get_digestbynid(digest_nid);
  if (!md) return {};
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  if (!X509_digest(cert, md, hash, &len)) return {};
  return Bytes(hash, hash + len);
}

awaitable<Status> Stream::accept_tls(TlsContext& context) {
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(plain_), context);
  error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::server, nothrow(ec));
  if (ec) co_return make_error(Errc::io, "TLS handshake: " + ec.message());
  co_return Status{};
}

awaitable<Status> Stream::connect_tls(TlsContext& context, const std::string& host,
                                      bool verify_name) {
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket>>(std::move(plain_), context);
  error_code ec;
  asio::ip::make_address(host, ec);
  bool is_ip = !ec;
  if (!is_ip) SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str());  // no SNI for IPs
  if (verify_name) {
    // An IP literal must match an IP SAN, a name a DNS SAN.
    X509_VERIFY_PARAM* param = SSL_get0_param(tls_->native_handle());
    if (is_ip)
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
  co_await tls_->async_handshake(asio::ssl::stream_base::client, nothrow(ec));
  if (ec) co_return make_error(Errc::io, "TLS handshake with backend: " + ec.message());
  co_return Status{};
}

}  // namespace sw::net
