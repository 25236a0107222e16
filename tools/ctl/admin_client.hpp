#pragma once
// A blocking HTTP/1.1 client for the admin API (sqlwarden-ctl): one request
// per connection, bearer token, JSON in and out.
#include <string>

#include <nlohmann/json.hpp>

namespace sw::ctl {

struct ApiReply {
  int status = 0;  // 0: no answer (connection failed; `error` says why)
  nlohmann::json body;
  std::string error;
  bool ok() const { return status >= 200 && status < 300; }
  // The API's {"error": {"message"}} or the transport error.
  std::string message() const;
};

class AdminClient {
 public:
  // `url`: http://host:port
  AdminClient(std::string url, std::string token)
      : url_(std::move(url)), token_(std::move(token)) {}
  ApiReply call(const std::string& method, const std::string& target,
                const nlohmann::json& body = nullptr) const;

 private:
  std::string url_;
  std::string token_;
};

}  // namespace sw::ctl
