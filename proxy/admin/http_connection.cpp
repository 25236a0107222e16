// One admin HTTP connection: the only translation unit that compiles Beast.
// Every request is bounded in size and time before any handler runs:
//   - idle keep-alive wait: idle_timeout; then the whole request (line,
//     headers, body) must arrive within read_timeout (slowloris guard);
//   - request line + headers ≤ max_header_bytes (431), body ≤ max_body_bytes
//     (413, answered from Content-Length before the body is read);
//   - the token is checked on the headers, before the body is read.
// Protocol errors get a JSON error and a closed connection.
#include <array>
#include <cctype>
#include <chrono>
#include <exception>
#include <string>

#include <spdlog/spdlog.h>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "proxy/admin/server.hpp"

namespace sw::admin {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using net::error_code;
using net::nothrow;

// Beast 1.74 speaks boost::string_view.
std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}

struct Peer {
  std::string address;
  bool loopback = false;
};

Peer describe_peer(const net::tcp::socket& socket) {
  error_code ec;
  auto ep = socket.remote_endpoint(ec);
  if (ec) return {};
  auto address = ep.address();
  return {address.to_string() + ":" + std::to_string(ep.port()), address.is_loopback()};
}

http::response<http::string_body> to_beast(const Response& r, unsigned version, bool keep_alive,
                                           bool head) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::server, "sqlwarden");
  if (!r.content_type.empty()) res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  if (head) res.body().clear();
  return res;
}

template <class Stream>
class Connection {
 public:
  Connection(std::shared_ptr<ServerState> state, Stream& stream, beast::flat_buffer& buffer,
             Peer peer)
      : state_(std::move(state)), stream_(stream), buffer_(buffer), peer_(std::move(peer)) {}

  net::awaitable<void> run() {
    for (;;) {
      auto settings = state_->settings();
      const AdminConfig& cfg = settings->config;
      auto& lowest = beast::get_lowest_layer(stream_);
      error_code ec;
      if (buffer_.size() == 0) {
        lowest.expires_after(cfg.idle_timeout);
        std::size_t n = co_await stream_.async_read_some(buffer_.prepare(4096), nothrow(ec));
        if (ec) co_return;  // peer closed or idle too long: nothing to answer
        buffer_.commit(n);
      }
      lowest.expires_after(cfg.read_timeout);
      http::request_parser<http::string_body> parser;
      parser.header_limit(cfg.max_header_bytes);
      parser.body_limit(cfg.max_body_bytes);
      co_await http::async_read_header(stream_, buffer_, parser, nothrow(ec));
      if (ec) {
        co_await fail_read(ec, 11);
        co_return;
      }
      auto& header = parser.get();
      bool keep_alive = header.keep_alive();
      bool head = header.method() == http::verb::head;
      unsigned version = header.version();
      if (version != 10 && version != 11) {
        co_await write(error_response(400, "bad_request", "only HTTP/1.0 and HTTP/1.1 are served"),
                       11, Close::drain, false);
        co_return;
      }

      Request request;
      request.method = std::string(sv(header.method_string()));
      std::string_view target = sv(header.target());
      auto q = target.find('?');
      request.path = std::string(target.substr(0, q));
      if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
      request.content_type = std::string(sv(header[http::field::content_type]));
      request.peer = peer_.address;
      request.peer_loopback = peer_.loopback;
      for (const auto& field : header) {
        if (field.name() == http::field::authorization) continue;
        std::string name(sv(field.name_string()));
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        request.headers.insert_or_assign(std::move(name), std::string(sv(field.value())));
      }

      auto outcome =
          settings->auth.authenticate(sv(header[http::field::authorization]), peer_.loopback);
      if (!outcome.principal && outcome.failure == AuthFailure::missing &&
          state_->router.is_public(request.method, request.path))
        outcome.principal = Principal{"anonymous", AdminRole::read, "", false};
      if (!outcome.principal) {
        auto r = error_response(401, "unauthorized", unauthorized_message(outcome.failure));
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        co_await write(r, version, Close::drain, head);
        co_return;  // the body (if any) is never read for an unauthenticated caller
      }
      request.principal = *outcome.principal;

      if (auto len = parser.content_length(); len && *len > cfg.max_body_bytes) {
        co_await write(
            error_response(413, "payload_too_large", "request body exceeds max_body_bytes"),
            version, Close::drain, head);
        co_return;
      }
      if (beast::iequals(header[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, version};
        co_await http::async_write(stream_, cont, nothrow(ec));
        if (ec) co_return;
      }
      co_await http::async_read(stream_, buffer_, parser, nothrow(ec));
      if (ec) {
        co_await fail_read(ec, version);
        co_return;
      }
      request.body = std::move(parser.get().body());

      Response response;
      try {
        response = co_await state_->router.dispatch(request);
      } catch (const std::exception& e) {
        spdlog::error("admin {} {}: handler failed: {}", request.method, request.path, e.what());
        response = error_response(500, "internal", "the handler failed; see the proxy log");
      }
      if (response.status >= 500) keep_alive = false;
      if (!co_await write(response, version, keep_alive ? Close::no : Close::now, head) ||
          !keep_alive)
        co_return;
    }
  }

 private:
  static std::string unauthorized_message(AuthFailure f) {
    switch (f) {
      case AuthFailure::missing:
        return "missing token: send Authorization: Bearer <token>";
      case AuthFailure::malformed:
        return "malformed Authorization header: expected Bearer <token>";
      case AuthFailure::unknown:
        return "unknown token";
    }
    return "unauthorized";
  }

  // A request that could not be read: answer when it makes sense, then close.
  net::awaitable<void> fail_read(const error_code& ec, unsigned version) {
    if (ec == http::error::end_of_stream || ec == net::asio::error::eof ||
        ec == net::asio::error::connection_reset)
      co_return;
    if (ec == beast::error::timeout) {
      co_await write(
          error_response(408, "request_timeout", "request not received within read_timeout_ms"),
          version, Close::now, false);
      co_return;
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      co_await write(error_response(431, "headers_too_large",
                                    "request line and headers exceed max_header_bytes"),
                     version, Close::drain, false);
      co_return;
    }
    if (ec == http::error::body_limit) {
      co_await write(
          error_response(413, "payload_too_large", "request body exceeds max_body_bytes"), version,
          Close::drain, false);
      co_return;
    }
    co_await write(error_response(400, "bad_request", "malformed HTTP request: " + ec.message()),
                   version, Close::drain, false);
  }

  // After the response: keep the connection, close it, or close it after
  // draining what the peer is still sending (closing with unread input
  // makes the kernel send RST, which can destroy the response in flight).
  enum class Close { no, now, drain };

  net::awaitable<bool> write(const Response& r, unsigned version, Close close, bool head) {
    auto settings = state_->settings();
    auto& lowest = beast::get_lowest_layer(stream_);
    lowest.expires_after(settings->config.read_timeout);
    auto res = to_beast(r, version == 10 ? 10 : 11, close == Close::no, head);
    error_code ec;
    co_await http::async_write(stream_, res, nothrow(ec));
    if (ec) co_return false;
    if (close == Close::no) co_return true;
    lowest.socket().shutdown(net::tcp::socket::shutdown_send, ec);
    if (close == Close::drain) {
      // At most 1 s and 1 MiB; the response is already on its way.
      lowest.expires_after(std::chrono::seconds(1));
      std::array<char, 4096> scratch;
      for (std::size_t total = 0; total < (1u << 20);) {
        std::size_t n = co_await lowest.async_read_some(net::asio::buffer(scratch), nothrow(ec));
        if (ec) break;
        total += n;
      }
    }
    co_return true;
  }

  std::shared_ptr<ServerState> state_;
  Stream& stream_;
  beast::flat_buffer& buffer_;
  Peer peer_;
};

}  // namespace

net::awaitable<void> serve_connection(std::shared_ptr<ServerState> state, net::tcp::socket socket,
                                      net::ConnectionSlot slot) {
  Peer peer = describe_peer(socket);
  beast::tcp_stream stream(std::move(socket));
  error_code ec;
  if (!slot.admitted()) {
    // Over max_connections: a short answer without reading the request.
    stream.expires_after(std::chrono::seconds(2));
    auto res = to_beast(error_response(503, "service_unavailable", "too many admin connections"),
                        11, false, false);
    co_await http::async_write(stream, res, nothrow(ec));
    stream.socket().shutdown(net::tcp::socket::shutdown_both, ec);
    co_return;
  }
  beast::flat_buffer buffer;
  auto settings = state->settings();
  if (!state->tls) {
    Connection<beast::tcp_stream> conn(state, stream, buffer, peer);
    co_await conn.run();
    co_return;
  }
  bool is_tls = true;
  if (settings->config.tls.mode == TlsMode::allow) {
    stream.expires_after(settings->config.read_timeout);
    is_tls = co_await beast::async_detect_ssl(stream, buffer, nothrow(ec));
    if (ec) co_return;
  }
  if (!is_tls) {
    Connection<beast::tcp_stream> conn(state, stream, buffer, peer);
    co_await conn.run();
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(stream), *state->tls);
  beast::get_lowest_layer(tls_stream).expires_after(settings->config.read_timeout);
  std::size_t used = co_await tls_stream.async_handshake(net::asio::ssl::stream_base::server,
                                                         buffer.data(), nothrow(ec));
  if (ec) co_return;
  buffer.consume(used);
  Connection<beast::ssl_stream<beast::tcp_stream>> conn(state, tls_stream, buffer, peer);
  co_await conn.run();
}

}  // namespace sw::admin
