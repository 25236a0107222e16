#include "tests/support/http_client.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "tests/support/test_env.hpp"

namespace sw::test {

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses status line and headers of `raw`; returns the body offset or npos.
std::size_t parse_head(const std::string& raw, HttpResult& out) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return std::string::npos;
  if (raw.compare(0, 5, "HTTP/") != 0) return std::string::npos;
  auto sp = raw.find(' ');
  out.status = std::atoi(raw.c_str() + sp + 1);
  std::size_t pos = raw.find("\r\n") + 2;
  while (pos < end) {
    auto eol = raw.find("\r\n", pos);
    auto colon = raw.find(':', pos);
    if (colon != std::string::npos && colon < eol) {
      std::string value = raw.substr(colon + 1, eol - colon - 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      out.headers[lower(raw.substr(pos, colon - pos))] = value;
    }
    pos = eol + 2;
  }
  return end + 4;
}

}  // namespace

HttpResult read_http_response(int fd) {
  HttpResult out;
  std::string raw;
  char buf[16384];
  for (;;) {
    HttpResult probe;
    std::size_t body_at = parse_head(raw, probe);
    if (body_at != std::string::npos) {
      // 1xx interim responses are skipped.
      if (probe.status >= 100 && probe.status < 200) {
        raw.erase(0, body_at);
        continue;
      }
      auto it = probe.headers.find("content-length");
      if (it != probe.headers.end()) {
        std::size_t len = std::strtoul(it->second.c_str(), nullptr, 10);
        if (raw.size() >= body_at + len) {
          probe.body = raw.substr(body_at, len);
          probe.raw = raw;
          return probe;
        }
      }
    }
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<std::size_t>(n));
  }
  std::size_t body_at = parse_head(raw, out);
  if (body_at != std::string::npos) out.body = raw.substr(body_at);
  out.raw = raw;
  return out;
}

HttpResult http_raw(std::uint16_t port, const std::string& raw_request) {
  int fd = raw_connect(port);
  if (fd < 0) return {};
  std::size_t sent = 0;
  while (sent < raw_request.size()) {
    ssize_t n = ::send(fd, raw_request.data() + sent, raw_request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (413, 431): read what it said
    sent += static_cast<std::size_t>(n);
  }
  HttpResult r = read_http_response(fd);
  ::close(fd);
  return r;
}

HttpResult http_request(std::uint16_t port, const std::string& method, const std::string& path,
                        const std::string& token, const std::string& body,
                        const std::string& content_type) {
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) req += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty() || method == "POST") {
    req += "Content-Type: " + content_type + "\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  return http_raw(port, req);
}

}  // namespace sw::test
