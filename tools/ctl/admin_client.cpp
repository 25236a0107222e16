#include "tools/ctl/admin_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sw::ctl {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

}  // namespace

std::string ApiReply::message() const {
  if (!error.empty()) return error;
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    return body["error"].value("message", "HTTP " + std::to_string(status));
  return "HTTP " + std::to_string(status);
}

ApiReply AdminClient::call(const std::string& method, const std::string& target,
                           const nlohmann::json& body) const {
  ApiReply out;
  std::string rest = url_;
  if (rest.rfind("http://", 0) == 0)
    rest = rest.substr(7);
  else if (rest.find("://") != std::string::npos) {
    out.error = "only http:// admin URLs are supported: " + url_;
    return out;
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  std::string host = colon == std::string::npos ? rest : rest.substr(0, colon);
  std::string port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  try {
    boost::asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    tcp::resolver resolver(ioc);
    stream.expires_after(std::chrono::seconds(10));
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, host);
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    if (!body.is_null()) {
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    req.prepare_payload();
    // Creating and verifying a clone take a while on a big template.
    stream.expires_after(std::chrono::seconds(600));
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    out.status = static_cast<int>(res.result_int());
    out.body = nlohmann::json::parse(res.body(), nullptr, false);
    if (out.body.is_discarded()) out.body = res.body();
  } catch (const std::exception& e) {
    out.status = 0;
    out.error = url_ + ": " + e.what();
  }
  return out;
}

}  // namespace sw::ctl
