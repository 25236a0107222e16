#pragma once
// Bounds-checked readers and writers over byte spans, in both byte orders:
// PostgreSQL frames are big-endian, MySQL packets little-endian. Every read
// reports failure instead of touching memory past the end.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sw {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  bool empty() const noexcept { return remaining() == 0; }
  ByteSpan rest() const noexcept { return data_.subspan(pos_); }

  std::optional<std::uint8_t> u8();
  std::optional<std::uint16_t> u16_be();
  std::optional<std::uint32_t> u32_be();
  std::optional<std::int32_t> i32_be();
  std::optional<std::uint16_t> u16_le();
  std::optional<std::uint32_t> u24_le();
  std::optional<std::uint32_t> u32_le();
  std::optional<std::uint64_t> u64_le();
  std::optional<ByteSpan> bytes(std::size_t n);
  // NUL-terminated string; the terminator is consumed, not returned.
  std::optional<std::string_view> cstring();
  bool skip(std::size_t n);

 private:
  ByteSpan data_;
  std::size_t pos_ = 0;
};

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16_be(std::uint16_t v);
  void u32_be(std::uint32_t v);
  void i32_be(std::int32_t v) { u32_be(static_cast<std::uint32_t>(v)); }
  void u16_le(std::uint16_t v);
  void u24_le(std::uint32_t v);
  void u32_le(std::uint32_t v);
  void u64_le(std::uint64_t v);
  void bytes(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void bytes(std::string_view s) { bytes(as_bytes(s)); }
  void cstring(std::string_view s) {
    bytes(s);
    u8(0);
  }
  std::size_t size() const noexcept { return out_.size(); }
  // Overwrites 4 bytes at `at` (used to back-patch PostgreSQL lengths).
  void patch_u32_be(std::size_t at, std::uint32_t v);

 private:
  Bytes& out_;
};

}  // namespace sw
