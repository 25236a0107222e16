// Tools over HTTP: `POST /database` of a running sqlwarden, one keep-alive
// connection, bearer token if given.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fmt/format.h>

#include "proxy/admin/tools/tool_executor.hpp"
#include "tools/shell/transport.hpp"

namespace sw::shell {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

class HttpTransport final : public Transport {
 public:
  HttpTransport(TransportOptions o, std::string host, std::string port)
      : o_(std::move(o)), host_(std::move(host)), port_(std::move(port)), stream_(ioc_) {}

  nlohmann::json call(const std::string& tool, const nlohmann::json& arguments) override {
    nlohmann::json body = {{"action", "execute"},
                           {"tool_call",
                            {{"id", fmt::format("shell_{}", ++seq_)},
                             {"type", "function"},
                             {"function", {{"name", tool}, {"arguments", arguments.dump()}}}}}};
    if (!o_.engine.empty()) body["engine"] = o_.engine;
    if (!o_.tenant.empty()) body["tenant"] = o_.tenant;
    try {
      return post(body);
    } catch (const std::exception&) {
      stream_.close();  // one retry on a fresh connection (the server may have closed it)
      try {
        return post(body);
      } catch (const std::exception& e) {
        return tools::tool_error("connection", fmt::format("{}: {}", o_.url, e.what()));
      }
    }
  }
  std::string describe() const override { return o_.url; }

 private:
  nlohmann::json post(const nlohmann::json& body) {
    if (!stream_.socket().is_open()) {
      tcp::resolver resolver(ioc_);
      stream_.connect(resolver.resolve(host_, port_));
    }
    http::request<http::string_body> req{http::verb::post, "/database", 11};
    req.set(http::field::host, host_);
    req.set(http::field::content_type, "application/json");
    if (!o_.token.empty()) req.set(http::field::authorization, "Bearer " + o_.token);
    req.body() = tools::dump_json(body);
    req.prepare_payload();
    http::write(stream_, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream_, buffer, res);
    auto j = nlohmann::json::parse(res.body(), nullptr, false);
    if (res.result_int() != 200 || j.is_discarded()) {
      std::string message =
          j.is_discarded()
              ? res.body()
              : j.value("error", nlohmann::json::object()).value("message", res.body());
      return tools::tool_error(
          res.result_int() == 401 || res.result_int() == 403 ? "unauthorized" : "http_error",
          fmt::format("HTTP {}: {}", res.result_int(), message));
    }
    return j.contains("result") ? j["result"] : j;
  }

  TransportOptions o_;
  std::string host_, port_;
  boost::asio::io_context ioc_;
  beast::tcp_stream stream_;
  unsigned seq_ = 0;
};

}  // namespace

std::unique_ptr<Transport> make_http_transport(const TransportOptions& o, std::string& error) {
  std::string rest = o.url;
  if (rest.rfind("http://", 0) == 0)
    rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) {
    error = "only http:// URLs are supported (put TLS in front of the admin API with a relay)";
    return nullptr;
  }
  rest = rest.substr(0, rest.find('/'));
  std::string host = rest, port = "80";
  if (auto colon = rest.rfind(':'); colon != std::string::npos && rest.back() != ']') {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  if (host.empty()) {
    error = "bad --url " + o.url;
    return nullptr;
  }
  return std::make_unique<HttpTransport>(o, host, port);
}

}  // namespace sw::shell
