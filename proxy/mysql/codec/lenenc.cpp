#include "proxy/mysql/codec/lenenc.hpp"

namespace sw::mysql {

std::optional<std::uint64_t> read_lenenc_int(ByteReader& in) {
  auto first = in.u8();
  if (!first) return std::nullopt;
  if (*first < 0xfb) return *first;
  if (*first == 0xfc) {
    auto v = in.u16_le();
    if (!v) return std::nullopt;
    return *v;
  }
  if (*first == 0xfd) {
    auto v = in.u24_le();
    if (!v) return std::nullopt;
    return *v;
  }
  if (*first == 0xfe) return in.u64_le();
  return std::nullopt;
}

std::optional<std::string_view> read_lenenc_string(ByteReader& in) {
  auto len = read_lenenc_int(in);
  if (!len || *len > in.remaining()) return std::nullopt;
  auto b = in.bytes(static_cast<std::size_t>(*len));
  if (!b) return std::nullopt;
  return as_chars(*b);
}

void write_lenenc_int(ByteWriter& out, std::uint64_t v) {
  if (v < 0xfb) {
    out.u8(static_cast<std::uint8_t>(v));
  } else if (v <= 0xffff) {
    out.u8(0xfc);
    out.u16_le(static_cast<std::uint16_t>(v));
  } else if (v <= 0xffffff) {
    out.u8(0xfd);
    out.u24_le(static_cast<std::uint32_t>(v));
  } else {
    out.u8(0xfe);
    out.u64_le(v);
  }
}

void write_lenenc_string(ByteWriter& out, std::string_view s) {
  write_lenenc_int(out, s.size());
  out.bytes(s);
}

std::size_t lenenc_int_size(std::uint8_t first) noexcept {
  if (first < 0xfb) return 1;
  if (first == 0xfc) return 3;
  if (first == 0xfd) return 4;
  if (first == 0xfe) return 9;
  return 1;
}

}  // namespace sw::mysql
