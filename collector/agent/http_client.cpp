#include "collector/agent/http_client.hpp"

#include <openssl/err.h>

#include <charconv>

#include <fmt/format.h>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "proxy/net/asio.hpp"

namespace sw::collector::agent {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using net::error_code;
using net::nothrow;

template <class Stream>
net::awaitable<error_code> exchange(Stream& stream, http::request<http::string_body>& req,
                                    http::response<http::string_body>& res) {
  error_code ec;
  co_await http::async_write(stream, req, nothrow(ec));
  if (ec) co_return ec;
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  co_await http::async_read(stream, buffer, parser, nothrow(ec));
  if (!ec) res = parser.release();
  co_return ec;
}

net::awaitable<error_code> run(const Url& url, std::chrono::milliseconds timeout,
                               http::request<http::string_body>& req,
                               http::response<http::string_body>& res) {
  auto executor = co_await net::asio::this_coro::executor;
  net::tcp::resolver resolver(executor);
  error_code ec;
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, nothrow(ec));
  if (ec) co_return ec;
  beast::tcp_stream tcp(executor);
  tcp.expires_after(timeout);
  co_await tcp.async_connect(endpoints, nothrow(ec));
  if (ec) co_return ec;
  if (!url.tls) {
    ec = co_await exchange(tcp, req, res);
    error_code ignore;
    tcp.socket().shutdown(net::tcp::socket::shutdown_both, ignore);
    co_return ec;
  }
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp), ctx);
  stream.set_verify_callback(ssl::host_name_verification(url.host));
  if (!SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str()))
    co_return error_code(static_cast<int>(::ERR_get_error()), net::asio::error::get_ssl_category());
  co_await stream.async_handshake(ssl::stream_base::client, nothrow(ec));
  if (ec) co_return ec;
  ec = co_await exchange(stream, req, res);
  co_return ec;
}

}  // namespace

Result<Url> parse_url(std::string_view url) {
  Url out;
  if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
  } else if (url.rfind("https://", 0) == 0) {
    url.remove_prefix(8);
    out.tls = true;
  } else {
    return make_error(Errc::config, "backend URL must start with http:// or https://");
  }
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) out.base_path = std::string(url.substr(slash));
  while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  if (authority.find('@') != std::string_view::npos)
    return make_error(Errc::config, "backend URL must not hold credentials (use api_key)");
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(out.port.data(), out.port.data() + out.port.size(), port);
    if (ec != std::errc{} || ptr != out.port.data() + out.port.size() || port == 0 || port > 65535)
      return make_error(Errc::config, "backend URL: bad port");
  } else {
    out.host = std::string(authority);
    out.port = out.tls ? "443" : "80";
  }
  if (out.host.size() > 2 && out.host.front() == '[' && out.host.back() == ']')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) return make_error(Errc::config, "backend URL: missing host");
  return out;
}

Result<HttpReply> HttpClient::request(std::string_view method, std::string_view path,
                                      const Headers& headers, std::string body) const {
  http::request<http::string_body> req;
  req.method_string(beast::string_view(method.data(), method.size()));
  req.target(url_.base_path + std::string(path));
  req.version(11);
  req.set(http::field::host, url_.host);
  req.set(http::field::user_agent, "sqlwarden-collector");
  req.set(http::field::connection, "close");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();

  http::response<http::string_body> res;
  error_code ec;
  bool done = false;
  net::asio::io_context ioc(1);
  net::asio::co_spawn(ioc, run(url_, timeout_, req, res),
                      [&](std::exception_ptr e, error_code result) {
                        done = true;
                        ec = e ? net::asio::error::operation_aborted : result;
                      });
  ioc.run_for(timeout_ + std::chrono::seconds(1));  // the resolver has no timeout of its own
  if (!done) return make_error(Errc::timeout, fmt::format("{} {}: timed out", method, path));
  if (ec == beast::error::timeout)
    return make_error(Errc::timeout, fmt::format("{} {}: timed out", method, path));
  if (ec)
    return make_error(Errc::io,
                      fmt::format("{} {}{}: {}", method, url_.base_path, path, ec.message()));
  return HttpReply{res.result_int(), std::move(res.body())};
}

}  // namespace sw::collector::agent
