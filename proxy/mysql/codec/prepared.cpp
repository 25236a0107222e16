#include "proxy/mysql/codec/prepared.hpp"

namespace sw::mysql {

std::optional<PrepareOk> parse_prepare_ok(ByteSpan payload) {
  ByteReader in(payload);
  auto header = in.u8();
  auto id = in.u32_le();
  auto columns = in.u16_le();
  auto params = in.u16_le();
  if (!header || *header != 0 || !id || !columns || !params) return std::nullopt;
  PrepareOk ok{*id, *columns, *params, 0};
  if (in.skip(1))
    if (auto w = in.u16_le()) ok.warnings = *w;
  return ok;
}

std::optional<std::uint32_t> command_statement_id(ByteSpan payload) {
  ByteReader in(payload);
  if (!in.skip(1)) return std::nullopt;
  auto id = in.u32_le();
  if (!id) return std::nullopt;
  return *id;
}

void set_statement_id(std::uint8_t* payload, std::uint32_t id) noexcept {
  for (int i = 0; i < 4; ++i) payload[1 + i] = static_cast<std::uint8_t>(id >> (8 * i));
}

std::uint8_t execute_cursor_flags(ByteSpan payload) noexcept {
  return payload.size() > 5 ? payload[5] : 0;
}

Result<Bytes> execute_for_server(ByteSpan payload, std::uint16_t params, std::uint32_t server_id,
                                 std::string& types) {
  // 0x17, id(4), flags(1), iteration count(4), then with parameters:
  // null bitmap, new-params-bound flag, [types], values.
  constexpr std::size_t fixed = 1 + 4 + 1 + 4;
  if (payload.size() < fixed)
    return make_error(Errc::protocol_violation, "COM_STMT_EXECUTE too short");
  Bytes out;
  if (params == 0) {
    out.assign(payload.begin(), payload.end());
    set_statement_id(out.data(), server_id);
    return out;
  }
  std::size_t bitmap = (params + 7u) / 8u;
  std::size_t flag_at = fixed + bitmap;
  if (payload.size() < flag_at + 1)
    return make_error(Errc::protocol_violation, "COM_STMT_EXECUTE too short for its parameters");
  std::size_t type_bytes = 2u * params;
  std::size_t values_at = flag_at + 1;
  if (payload[flag_at] == 1) {
    if (payload.size() < values_at + type_bytes)
      return make_error(Errc::protocol_violation, "COM_STMT_EXECUTE parameter types truncated");
    types.assign(reinterpret_cast<const char*>(payload.data()) + values_at, type_bytes);
    values_at += type_bytes;
  } else if (types.size() != type_bytes) {
    return make_error(Errc::protocol_violation,
                      "COM_STMT_EXECUTE without parameter types before any were bound");
  }
  out.reserve(payload.size() + type_bytes);
  out.insert(out.end(), payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(flag_at));
  out.push_back(1);
  out.insert(out.end(), types.begin(), types.end());
  out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(values_at), payload.end());
  set_statement_id(out.data(), server_id);
  return out;
}

Result<Bytes> bulk_execute_for_server(ByteSpan payload, std::uint16_t params,
                                      std::uint32_t server_id, std::string& types) {
  // 0xfa, id(4), bulk flags(2), [types if SEND_TYPES_TO_SERVER], then per
  // row and parameter an indicator byte and maybe a value.
  constexpr std::size_t fixed = 1 + 4 + 2;
  if (payload.size() < fixed)
    return make_error(Errc::protocol_violation, "COM_STMT_BULK_EXECUTE too short");
  auto flags = static_cast<std::uint16_t>(payload[5] | (payload[6] << 8));
  std::size_t type_bytes = 2u * params;
  std::size_t values_at = fixed;
  if (flags & bulk_send_types_to_server) {
    if (payload.size() < fixed + type_bytes)
      return make_error(Errc::protocol_violation,
                        "COM_STMT_BULK_EXECUTE parameter types truncated");
    types.assign(reinterpret_cast<const char*>(payload.data()) + fixed, type_bytes);
    values_at += type_bytes;
  } else if (types.size() != type_bytes) {
    return make_error(Errc::protocol_violation,
                      "COM_STMT_BULK_EXECUTE without parameter types before any were bound");
  }
  flags |= bulk_send_types_to_server;
  Bytes out;
  out.reserve(payload.size() + type_bytes);
  out.insert(out.end(), payload.begin(), payload.begin() + 5);
  out.push_back(static_cast<std::uint8_t>(flags));
  out.push_back(static_cast<std::uint8_t>(flags >> 8));
  out.insert(out.end(), types.begin(), types.end());
  out.insert(out.end(), payload.begin() + static_cast<std::ptrdiff_t>(values_at), payload.end());
  set_statement_id(out.data(), server_id);
  return out;
}

}  // namespace sw::mysql
