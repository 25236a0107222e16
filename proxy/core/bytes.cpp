#include "proxy/core/bytes.hpp"

namespace sw {

std::optional<std::uint8_t> ByteReader::u8() {
  if (remaining() < 1) return std::nullopt;
  return data_[pos_++];
}

std::optional<std::uint16_t> ByteReader::u16_be() {
  if (remaining() < 2) return std::nullopt;
  std::uint16_t v = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return v;
}

std::optional<std::uint32_t> ByteReader::u32_be() {
  if (remaining() < 4) return std::nullopt;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += 4;
  return v;
}

std::optional<std::int32_t> ByteReader::i32_be() {
  auto v = u32_be();
  if (!v) return std::nullopt;
  return static_cast<std::int32_t>(*v);
}

namespace {
template <int N>
std::optional<std::uint64_t> read_le(ByteSpan data, std::size_t& pos) {
  if (data.size() - pos < N) return std::nullopt;
  std::uint64_t v = 0;
  for (int i = N - 1; i >= 0; --i) v = (v << 8) | data[pos + i];
  pos += N;
  return v;
}
}  // namespace

std::optional<std::uint16_t> ByteReader::u16_le() {
  auto v = read_le<2>(data_, pos_);
  if (!v) return std::nullopt;
  return static_cast<std::uint16_t>(*v);
}
std::optional<std::uint32_t> ByteReader::u24_le() {
  auto v = read_le<3>(data_, pos_);
  if (!v) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}
std::optional<std::uint32_t> ByteReader::u32_le() {
  auto v = read_le<4>(data_, pos_);
  if (!v) return std::nullopt;
  return static_cast<std::uint32_t>(*v);
}
std::optional<std::uint64_t> ByteReader::u64_le() {
  return read_le<8>(data_, pos_);
}

std::optional<ByteSpan> ByteReader::bytes(std::size_t n) {
  if (remaining() < n) return std::nullopt;
  ByteSpan out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

std::optional<std::string_view> ByteReader::cstring() {
  for (std::size_t i = pos_; i < data_.size(); ++i) {
    if (data_[i] == 0) {
      std::string_view s(reinterpret_cast<const char*>(data_.data() + pos_), i - pos_);
      pos_ = i + 1;
      return s;
    }
  }
  return std::nullopt;
}

bool ByteReader::skip(std::size_t n) {
  if (remaining() < n) return false;
  pos_ += n;
  return true;
}

void ByteWriter::u16_be(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
  out_.push_back(static_cast<std::uint8_t>(v));
}
void ByteWriter::u32_be(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out_.push_back(static_cast<std::uint8_t>(v >> shift));
}
void ByteWriter::u16_le(std::uint16_t v) {
  out_.push_back(static_cast<std::uint8_t>(v));
  out_.push_back(static_cast<std::uint8_t>(v >> 8));
}
void ByteWriter::u24_le(std::uint32_t v) {
  for (int shift = 0; shift <= 16; shift += 8)
    out_.push_back(static_cast<std::uint8_t>(v >> shift));
}
void ByteWriter::u32_le(std::uint32_t v) {
  for (int shift = 0; shift <= 24; shift += 8)
    out_.push_back(static_cast<std::uint8_t>(v >> shift));
}
void ByteWriter::u64_le(std::uint64_t v) {
  for (int shift = 0; shift <= 56; shift += 8)
    out_.push_back(static_cast<std::uint8_t>(v >> shift));
}
void ByteWriter::patch_u32_be(std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out_[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

}  // namespace sw
