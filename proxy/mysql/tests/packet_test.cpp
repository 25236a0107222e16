#include <gtest/gtest.h>

#include "proxy/mysql/codec/lenenc.hpp"
#include "proxy/mysql/codec/packet.hpp"

namespace sw::mysql {
namespace {

TEST(MyPacket, SmallPacketRoundTrip) {
  Bytes out;
  std::string payload = "\x03select 1";
  EXPECT_EQ(append_packets(out, 0, as_bytes(payload)), 1);
  ASSERT_EQ(out.size(), 4 + payload.size());
  auto scan = scan_logical_packet(out, 0, 1000);
  ASSERT_TRUE(scan && *scan);
  EXPECT_EQ((*scan)->raw_size, out.size());
  EXPECT_EQ((*scan)->packets, 1u);
  EXPECT_EQ(as_chars(single_payload(out)), payload);
}

TEST(MyPacket, SplitsAndJoinsAt16MiB) {
  std::string payload(0xffffff + 10, 'x');
  Bytes out;
  EXPECT_EQ(append_packets(out, 5, as_bytes(payload)), 7);
  EXPECT_EQ(out.size(), payload.size() + 8);
  auto scan = scan_logical_packet(out, 5, 64u << 20);
  ASSERT_TRUE(scan && *scan);
  EXPECT_EQ((*scan)->packets, 2u);
  EXPECT_EQ((*scan)->next_seq, 7);
  Bytes joined;
  join_payload(out, joined);
  EXPECT_EQ(joined.size(), payload.size());
}

TEST(MyPacket, ExactMultipleEndsWithEmptyPacket) {
  std::string payload(0xffffff, 'y');
  Bytes out;
  EXPECT_EQ(append_packets(out, 0, as_bytes(payload)), 2);
  EXPECT_EQ(out.size(), payload.size() + 8);
  auto scan = scan_logical_packet(out, 0, 64u << 20);
  ASSERT_TRUE(scan && *scan);
  EXPECT_EQ((*scan)->packets, 2u);
  // Without the empty terminator the packet is incomplete.
  auto partial = scan_logical_packet(ByteSpan(out).first(out.size() - 4), 0, 64u << 20);
  ASSERT_TRUE(partial);
  EXPECT_FALSE(*partial);
}

TEST(MyPacket, NeedsMoreDataForTruncatedPacket) {
  Bytes out;
  append_packets(out, 0, as_bytes(std::string_view("\x03hello")));
  for (std::size_t n = 0; n < out.size(); ++n) {
    auto scan = scan_logical_packet(ByteSpan(out).first(n), 0, 100);
    ASSERT_TRUE(scan);
    EXPECT_FALSE(*scan) << n;
  }
}

TEST(MyPacket, WrongSequenceIdIsAnError) {
  Bytes out;
  append_packets(out, 3, as_bytes(std::string_view("\x0e")));
  auto scan = scan_logical_packet(out, 0, 100);
  ASSERT_FALSE(scan);
  EXPECT_EQ(scan.error().code, Errc::protocol_violation);
}

TEST(MyPacket, OversizedIsRefusedFromTheHeaderAlone) {
  Bytes header = {0xff, 0xff, 0x00, 0x00};  // announces 65535 bytes, none present
  auto scan = scan_logical_packet(header, 0, 1000);
  ASSERT_FALSE(scan);
  EXPECT_EQ(scan.error().code, Errc::message_too_large);
}

TEST(MyPacket, BuilderPatchesLength) {
  Bytes out;
  PacketBuilder b(out);
  out.push_back(0x0e);
  EXPECT_EQ(b.finish(0), 1);
  EXPECT_EQ(out, (Bytes{1, 0, 0, 0, 0x0e}));
}

TEST(MyLenenc, RoundTripsEveryWidth) {
  for (std::uint64_t v : {0ull, 250ull, 251ull, 0xffffull, 0x10000ull, 0xffffffull, 0x1000000ull,
                          0xffffffffffffffffull}) {
    Bytes out;
    ByteWriter w(out);
    write_lenenc_int(w, v);
    ByteReader r(out);
    auto got = read_lenenc_int(r);
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, v);
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(lenenc_int_size(out[0]), out.size());
  }
}

TEST(MyLenenc, StringLongerThanInputFails) {
  Bytes in = {5, 'a', 'b'};
  ByteReader r(in);
  EXPECT_FALSE(read_lenenc_string(r));
  Bytes huge = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'a'};
  ByteReader r2(huge);
  EXPECT_FALSE(read_lenenc_string(r2));
}

}  // namespace
}  // namespace sw::mysql
