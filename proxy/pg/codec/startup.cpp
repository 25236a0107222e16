#include "proxy/pg/codec/startup.hpp"

namespace sw::pg::codec {

const std::string* StartupPacket::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return &v;
  return nullptr;
}

Result<std::optional<std::uint32_t>> startup_packet_length(ByteSpan buffered) {
  if (buffered.size() < 4) return std::optional<std::uint32_t>{};
  ByteReader r(buffered);
  std::uint32_t len = *r.u32_be();
  // As PostgreSQL: the length minus its own 4 bytes within [4, 10000].
  if (len < 8 || len - 4 > kMaxStartupPacket)
    return make_error(Errc::protocol_violation, "invalid length of startup packet");
  return std::optional<std::uint32_t>{len};
}

Result<StartupPacket> parse_startup_packet(ByteSpan packet) {
  ByteReader r(packet);
  auto len = r.u32_be();
  auto code = r.u32_be();
  if (!len || !code || *len != packet.size())
    return make_error(Errc::protocol_violation, "invalid length of startup packet");
  StartupPacket p;
  if (*code == kSslRequestCode || *code == kGssEncRequestCode) {
    if (!r.empty()) return make_error(Errc::protocol_violation, "invalid length of startup packet");
    p.kind = *code == kSslRequestCode ? StartupPacket::Kind::ssl_request
                                      : StartupPacket::Kind::gssenc_request;
    return p;
  }
  if (*code == kCancelRequestCode) {
    auto pid = r.u32_be();
    auto key = r.u32_be();
    if (!pid || !key || !r.empty())
      return make_error(Errc::protocol_violation, "invalid length of cancel request");
    p.kind = StartupPacket::Kind::cancel_request;
    p.cancel_pid = *pid;
    p.cancel_key = *key;
    return p;
  }
  p.major = static_cast<std::uint16_t>(*code >> 16);
  p.minor = static_cast<std::uint16_t>(*code & 0xffff);
  if (p.major != 3) return p;  // the driver refuses the version before reading parameters
  // Name/value pairs, terminated by an empty name.
  for (;;) {
    auto name = r.cstring();
    if (!name) return make_error(Errc::protocol_violation, "invalid startup packet layout");
    if (name->empty()) break;
    auto value = r.cstring();
    if (!value)
      return make_error(Errc::protocol_violation,
                        "invalid startup packet layout: expected terminator as last byte");
    p.params.emplace_back(std::string(*name), std::string(*value));
    if (p.params.size() > 256)
      return make_error(Errc::protocol_violation, "too many startup parameters");
  }
  if (!r.empty())
    return make_error(Errc::protocol_violation,
                      "invalid startup packet layout: expected terminator as last byte");
  return p;
}

}  // namespace sw::pg::codec
