#pragma once
// A small synchronous HTTP/1.1 client (Boost.Beast) for the agent: one
// connection per request (collector traffic is a few requests a minute),
// every request bounded by a timeout, http:// and https:// (peer verified
// against the system CAs). No Beast types in this header.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "proxy/core/result.hpp"

namespace sw::collector::agent {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string base_path;  // without the trailing '/'; "" for the root
};
// "http://host:port[/prefix]", "https://host[:port]".
Result<Url> parse_url(std::string_view url);

struct HttpReply {
  unsigned status = 0;
  std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  HttpClient(Url url, std::chrono::milliseconds timeout)
      : url_(std::move(url)), timeout_(timeout) {}
  // `path` is appended to the URL's base path; `body` is sent as JSON when
  // not empty. A transport failure is an Errc::io error; any HTTP status is
  // a reply.
  Result<HttpReply> request(std::string_view method, std::string_view path, const Headers& headers,
                            std::string body = {}) const;
  const Url& url() const noexcept { return url_; }

 private:
  Url url_;
  std::chrono::milliseconds timeout_;
};

}  // namespace sw::collector::agent
