// The compressed protocol's framing, on scripted bytes: what a client or
// server sends is decoded, what the proxy sends is what a server would.
#include "proxy/mysql/codec/compression.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/packet.hpp"

namespace sw::mysql {
namespace {

Bytes bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// COM_QUERY "SELECT 'abcdefghij', 'abcdefghij', 'abcdefghij', 'abcdefghij'"
// as one packet (62-byte payload, sequence 0): 66 bytes.
Bytes query_packet() {
  std::string sql = "SELECT 'abcdefghij', 'abcdefghij', 'abcdefghij', 'abcdefghij'";
  Bytes out;
  Bytes payload = {0x03};
  payload.insert(payload.end(), sql.begin(), sql.end());
  append_packets(out, 0, payload);
  return out;
}

TEST(MyCompression, DecodesAZlibPacketAsAClientSendsIt) {
  // zlib's deflate of query_packet() at the default level, as
  // Connector/C sends it: 35 bytes announcing 66.
  Bytes wire = {35, 0, 0, /*seq*/ 0, 66, 0, 0};
  Bytes z = bytes(std::string_view(
      "\x78\x9c\xb3\x63\x60\x60\x60\x0e\x76\xf5\x71\x75\x0e\x51\x50\x4f\x4c\x4a\x4e\x49\x4d"
      "\x4b\xcf\xc8\xcc\x52\xd7\x21\x9a\x07\x00\x6b\x46\x14\x1a",
      35));
  wire.insert(wire.end(), z.begin(), z.end());
  Bytes out;
  auto frame = decode_compressed_packet(wire, out);
  ASSERT_TRUE(frame) << frame.error().message;
  ASSERT_TRUE(*frame);
  EXPECT_EQ((*frame)->raw_size, wire.size());
  EXPECT_EQ((*frame)->seq, 0);
  EXPECT_EQ(out, query_packet());
  // The same bytes arriving one at a time: nothing until the last one.
  for (std::size_t n = 0; n < wire.size(); ++n) {
    Bytes partial_out;
    auto partial = decode_compressed_packet(ByteSpan(wire).first(n), partial_out);
    ASSERT_TRUE(partial);
    EXPECT_FALSE(*partial) << n;
    EXPECT_TRUE(partial_out.empty());
  }
}

TEST(MyCompression, ShortContentIsStoredAsServersDo) {
  // COM_PING (1-byte payload): 5 bytes, under the 50-byte threshold.
  Bytes ping = {1, 0, 0, 0, 0x0e};
  Bytes out;
  EXPECT_EQ(append_compressed(out, 3, ping), 4);
  EXPECT_EQ(out, (Bytes{5, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0x0e}));
  Bytes back;
  auto frame = decode_compressed_packet(out, back);
  ASSERT_TRUE(frame && *frame);
  EXPECT_EQ((*frame)->seq, 3);
  EXPECT_EQ(back, ping);
}

TEST(MyCompression, LongContentIsDeflated) {
  Bytes out;
  EXPECT_EQ(append_compressed(out, 0, query_packet()), 1);
  // Header: deflated length, sequence 0, inflated length 66.
  ASSERT_GT(out.size(), compressed_header_size);
  std::size_t body = out[0] | out[1] << 8 | out[2] << 16;
  EXPECT_EQ(body + compressed_header_size, out.size());
  EXPECT_LT(body, 66u);
  EXPECT_EQ(out[3], 0);
  EXPECT_EQ(out[4], 66);
  EXPECT_EQ(out[5], 0);
  EXPECT_EQ(out[6], 0);
  Bytes back;
  auto frame = decode_compressed_packet(out, back);
  ASSERT_TRUE(frame && *frame);
  EXPECT_EQ(back, query_packet());
}

TEST(MyCompression, IncompressibleContentIsStored) {
  std::mt19937 rng(7);
  Bytes noise(300);
  for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
  Bytes out;
  append_compressed(out, 9, noise);
  ASSERT_EQ(out.size(), compressed_header_size + noise.size());
  EXPECT_EQ(out[4] | out[5] | out[6], 0);  // inflated length 0: stored
  Bytes back;
  ASSERT_TRUE(decode_compressed_packet(out, back));
  EXPECT_EQ(back, noise);
}

TEST(MyCompression, LargeWritesAreCutIntoNumberedPackets) {
  Bytes big(max_compressed_chunk + 1000, 'x');
  Bytes out;
  EXPECT_EQ(append_compressed(out, 254, big), 0);  // 254, 255, then wraps
  Bytes back;
  ByteSpan rest(out);
  std::vector<std::uint8_t> seqs;
  while (!rest.empty()) {
    auto frame = decode_compressed_packet(rest, back);
    ASSERT_TRUE(frame && *frame);
    seqs.push_back((*frame)->seq);
    rest = rest.subspan((*frame)->raw_size);
  }
  EXPECT_EQ(seqs, (std::vector<std::uint8_t>{254, 255}));
  EXPECT_EQ(back, big);
}

TEST(MyCompression, SeveralPacketsInOneBufferAndEmptyContent) {
  Bytes wire;
  append_compressed(wire, 1, query_packet());
  append_compressed(wire, 2, Bytes{});
  append_compressed(wire, 3, Bytes{1, 0, 0, 0, 0x0e});
  Bytes back;
  ByteSpan rest(wire);
  int frames = 0;
  while (!rest.empty()) {
    auto frame = decode_compressed_packet(rest, back);
    ASSERT_TRUE(frame && *frame);
    EXPECT_EQ((*frame)->seq, 1 + frames);
    rest = rest.subspan((*frame)->raw_size);
    ++frames;
  }
  EXPECT_EQ(frames, 3);
  Bytes expected = query_packet();
  expected.insert(expected.end(), {1, 0, 0, 0, 0x0e});
  EXPECT_EQ(back, expected);
}

TEST(MyCompression, LyingLengthsAreErrors) {
  Bytes good;
  append_compressed(good, 0, query_packet());
  Bytes out;
  Bytes longer = good;
  longer[4] = 67;  // announces one byte more than the stream inflates to
  EXPECT_FALSE(decode_compressed_packet(longer, out));
  Bytes shorter = good;
  shorter[4] = 65;
  EXPECT_FALSE(decode_compressed_packet(shorter, out));
  Bytes garbage = {4, 0, 0, 0, 100, 0, 0, 1, 2, 3, 4};  // not a zlib stream
  EXPECT_FALSE(decode_compressed_packet(garbage, out));
  EXPECT_TRUE(out.empty());
}

TEST(MyCompression, InnerSequenceIdsAreRenumbered) {
  // A 16 MiB + 3 byte command as Connector/C puts it inside compressed
  // packets: sequence 0 in both headers. Then the next command's header.
  Bytes big(max_packet_payload + 3, 'x');
  Bytes stream;
  append_packets(stream, 0, big);
  stream[packet_header_size + max_packet_payload + 3] = 0;  // the continuation's seq, as sent
  stream.insert(stream.end(), {1, 0, 0, 9, 0x0e});
  renumber_logical_packet(stream.data(), stream.size(), 0);
  auto lp = scan_logical_packet(stream, 0, 1u << 30);
  ASSERT_TRUE(lp && *lp);
  EXPECT_EQ((*lp)->packets, 2u);
  EXPECT_EQ(stream.back() - 0, 0x0e);
  EXPECT_EQ(stream[stream.size() - 2], 9);  // the next packet is not touched
  // Headers that have not all arrived: only those present are set.
  Bytes partial = {0xff, 0xff, 0xff, 7};
  renumber_logical_packet(partial.data(), partial.size(), 3);
  EXPECT_EQ(partial[3], 3);
}

}  // namespace
}  // namespace sw::mysql
