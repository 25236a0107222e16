#pragma once
// A minimal HTTP/1.1 client over a raw socket for admin API tests: sends
// exactly the bytes given (so tests can also send malformed requests) and
// reads the answer until the server closes or one response is complete.
#include <cstdint>
#include <map>
#include <string>

namespace sw::test {

struct HttpResult {
  int status = 0;  // 0: no parsable response (connection closed or timed out)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string raw;
};

// Sends `raw_request` on a new connection and reads one response.
HttpResult http_raw(std::uint16_t port, const std::string& raw_request);

// Builds a well-formed request (Connection: close, Content-Length when a body
// is given, Authorization: Bearer when `token` is not empty).
HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& path,
                        const std::string& token = "", const std::string& body = "",
                        const std::string& content_type = "application/json");

// Reads one response from an open socket (keep-alive tests); status 0 on failure.
HttpResult read_http_response(int fd);

}  // namespace sw::test
