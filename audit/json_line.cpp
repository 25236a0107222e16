#include "audit/json_line.hpp"

#include <time.h>

#include <fmt/format.h>

namespace sw::audit {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], 0 when invalid.
std::size_t utf8_length(std::string_view s, std::size_t i) noexcept {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t n = c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
  if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
  if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
  if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // > U+10FFFF
  return n;
}

void key(std::string& out, const char* name) {
  out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append("\":");
}

void str_field(std::string& out, const char* name, std::string_view value) {
  key(out, name);
  append_json_string(value, out);
}

}  // namespace

void append_utc_time(std::chrono::system_clock::time_point t, std::string& out) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  auto secs = static_cast<time_t>(us / 1000000);
  long frac = static_cast<long>(us % 1000000);
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  struct tm tm {};
  gmtime_r(&secs, &tm);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 frac);
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? (c == 0 ? 0 : 1) : utf8_length(s, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void append_json_string(std::string_view s, std::string& out) {
  out.push_back('"');
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      std::size_t n = utf8_length(s, i);
      if (n == 0) {
        out.append("\\ufffd");
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F)
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        else
          out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  out.push_back('"');
}

void append_json_line(const AuditRecord& r, std::string& out) {
  fmt::format_to(std::back_inserter(out), "{{\"seq\":{},\"time\":\"", r.seq);
  append_utc_time(r.time, out);
  out.push_back('"');
  str_field(out, "event", event_name(r.event));
  str_field(out, "source", source_name(r.source));
  str_field(out, "tenant", r.tenant);
  str_field(out, "protocol", r.protocol);
  str_field(out, "client", r.client_addr);
  str_field(out, "user", r.user);
  str_field(out, "database", r.database);
  str_field(out, "application", r.application);
  fmt::format_to(std::back_inserter(out), ",\"session_id\":{}", r.session_id);
  str_field(out, "kind", r.kind);
  fmt::format_to(std::back_inserter(out), ",\"fingerprint\":\"{:016x}\"", r.fingerprint);
  str_field(out, "normalized", r.normalized);
  str_field(out, "text", r.text);
  if (!r.params.empty()) {
    key(out, "params");
    out.append(r.params);  // already a JSON array
  }
  str_field(out, "decision", r.allowed ? "allow" : "deny");
  if (!r.rule.empty()) str_field(out, "rule", r.rule);
  fmt::format_to(std::back_inserter(out), ",\"duration_us\":{},\"rows\":{}", r.duration_us, r.rows);
  key(out, "success");
  out.append(r.failed() ? "false" : "true");
  if (!r.error_code.empty()) str_field(out, "error_code", r.error_code);
  if (!r.error_message.empty()) str_field(out, "error_message", r.error_message);
  fmt::format_to(std::back_inserter(out), ",\"server_connection_id\":{}}}\n",
                 r.server_connection_id);
}

}  // namespace sw::audit
