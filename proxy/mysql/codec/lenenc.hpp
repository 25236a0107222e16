#pragma once
// Length-encoded integers and strings, the variable-length fields of the
// MySQL protocol. Reads fail (nullopt) instead of running past the end.
#include <cstdint>
#include <optional>
#include <string_view>

#include "proxy/core/bytes.hpp"

namespace sw::mysql {

// 0xfb (SQL NULL in a text row) and 0xff are not integers: nullopt.
std::optional<std::uint64_t> read_lenenc_int(ByteReader& in);
std::optional<std::string_view> read_lenenc_string(ByteReader& in);
void write_lenenc_int(ByteWriter& out, std::uint64_t v);
void write_lenenc_string(ByteWriter& out, std::string_view s);
// Bytes a lenenc integer takes, judged from its first byte (1 for 0..250).
std::size_t lenenc_int_size(std::uint8_t first) noexcept;

}  // namespace sw::mysql
