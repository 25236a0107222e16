#include "proxy/core/bytes.hpp"

#include <gtest/gtest.h>

namespace sw {
namespace {

TEST(ByteReader, ReadsBothByteOrders) {
  Bytes data = {0x00, 0x00, 0x01, 0x02, 0x03, 0x02, 0x01};
  ByteReader r(data);
  EXPECT_EQ(r.u32_be(), 0x102u);
  EXPECT_EQ(r.u24_le(), 0x010203u);
  EXPECT_TRUE(r.empty());
  EXPECT_FALSE(r.u8().has_value());
}

TEST(ByteReader, NeverReadsPastTheEnd) {
  Bytes data = {0x01, 0x02, 0x03};
  ByteReader r(data);
  EXPECT_FALSE(r.u32_be().has_value());
  EXPECT_EQ(r.position(), 0u);  // a failed read consumes nothing
  EXPECT_FALSE(r.bytes(4).has_value());
  EXPECT_FALSE(r.skip(4));
  EXPECT_FALSE(r.cstring().has_value());  // no terminator
}

TEST(ByteReader, CString) {
  Bytes data = {'a', 'b', 0, 'c', 0};
  ByteReader r(data);
  EXPECT_EQ(r.cstring(), "ab");
  EXPECT_EQ(r.cstring(), "c");
  EXPECT_TRUE(r.empty());
}

TEST(ByteWriter, RoundTrip) {
  Bytes out;
  ByteWriter w(out);
  w.u32_be(0);
  w.u16_le(0xBEEF);
  w.u64_le(0x0102030405060708ull);
  w.cstring("hi");
  w.patch_u32_be(0, static_cast<std::uint32_t>(out.size()));
  ByteReader r(out);
  EXPECT_EQ(r.u32_be(), out.size());
  EXPECT_EQ(r.u16_le(), 0xBEEF);
  EXPECT_EQ(r.u64_le(), 0x0102030405060708ull);
  EXPECT_EQ(r.cstring(), "hi");
}

}  // namespace
}  // namespace sw
