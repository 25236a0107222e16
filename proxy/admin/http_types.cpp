#include "proxy/admin/http_types.hpp"

namespace sw::admin {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+' && plus_is_space) {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq), true);
    if (key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return percent_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

std::string Request::header(std::string_view lower_name) const {
  auto it = headers.find(std::string(lower_name));
  return it == headers.end() ? std::string() : it->second;
}

Result<nlohmann::json> Request::json_body() const {
  if (body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(Errc::invalid_argument, "request body is not valid JSON");
  if (!j.is_object())
    return make_error(Errc::invalid_argument, "request body must be a JSON object");
  return j;
}

Result<nlohmann::json> Request::json_body(std::initializer_list<std::string_view> allowed) const {
  auto j = json_body();
  if (!j) return j;
  for (const auto& [key, value] : j->items()) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) return make_error(Errc::invalid_argument, "unknown field \"" + key + "\"");
  }
  return j;
}

Response bad_request(const Error& error) {
  return error_response(400, "bad_request", error.message);
}

Response json_response(const nlohmann::json& body, unsigned status) {
  Response r;
  r.status = status;
  // Invalid UTF-8 in a value (a client's user name, say) is replaced, not thrown.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

Response error_response(unsigned status, std::string_view code, std::string_view message) {
  nlohmann::json j;
  j["error"] = {{"code", code}, {"message", message}};
  return json_response(j, status);
}

Response text_response(std::string body, std::string content_type, unsigned status) {
  Response r;
  r.status = status;
  r.content_type = std::move(content_type);
  r.body = std::move(body);
  return r;
}

}  // namespace sw::admin
