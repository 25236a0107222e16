// The sans-I/O codec: framing (including streamed bodies, bad lengths and
// split input), startup packets, and message builders/parsers round trips.
#include <array>

#include <gtest/gtest.h>

#include "proxy/pg/codec/frame_scanner.hpp"
#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/codec/startup.hpp"

namespace sw::pg::codec {
namespace {

constexpr InspectSet kInspect{'Q', 'Z'};

TEST(FrameScanner, InspectsWholeAndStreamsOthers) {
  Bytes in;
  append_query(in, "select 1");
  Bytes row{'D', 0, 0, 0, 10, 1, 2, 3, 4, 5, 6};
  in.insert(in.end(), row.begin(), row.end());
  append_ready_for_query(in, 'I');
  FrameScanner s(kInspect, 1 << 20);
  ByteSpan avail(in);
  auto step = s.next(avail);
  ASSERT_EQ(step.kind, ScanStep::Kind::message);
  EXPECT_EQ(step.type, 'Q');
  EXPECT_EQ(*parse_query(avail.first(step.size)), "select 1");
  s.consume(step.size);
  avail = avail.subspan(step.size);
  // Streamed message split across two reads.
  step = s.next(avail.first(7));
  ASSERT_EQ(step.kind, ScanStep::Kind::pass);
  EXPECT_TRUE(step.starts_message);
  EXPECT_EQ(step.size, 7u);
  s.consume(7);
  EXPECT_FALSE(s.at_boundary());
  avail = avail.subspan(7);
  step = s.next(avail);
  ASSERT_EQ(step.kind, ScanStep::Kind::pass);
  EXPECT_FALSE(step.starts_message);
  EXPECT_EQ(step.size, 4u);
  s.consume(4);
  EXPECT_TRUE(s.at_boundary());
  avail = avail.subspan(4);
  step = s.next(avail.first(3));
  EXPECT_EQ(step.kind, ScanStep::Kind::need_more);
  step = s.next(avail);
  ASSERT_EQ(step.kind, ScanStep::Kind::message);
  EXPECT_EQ(*parse_ready_for_query(avail.first(step.size)), 'I');
}

TEST(FrameScanner, RejectsBadAndHugeLengths) {
  FrameScanner s(kInspect, 1000);
  Bytes bad{'Q', 0, 0, 0, 3};
  EXPECT_EQ(s.next(bad).kind, ScanStep::Kind::bad_length);
  Bytes huge{'D', 0x7f, 0xff, 0xff, 0xff};
  EXPECT_EQ(s.next(huge).kind, ScanStep::Kind::too_large);
  Bytes partial{'Q', 0, 0, 0, 100, 'x'};
  auto step = s.next(partial);
  EXPECT_EQ(step.kind, ScanStep::Kind::need_more);
  EXPECT_EQ(step.size, 101u);
}

TEST(Startup, ParsesStartupSslAndCancel) {
  Bytes p;
  append_startup(p, {{"user", "app"}, {"database", "exo"}, {"application_name", "t"}});
  auto len = startup_packet_length(p);
  ASSERT_TRUE(len);
  EXPECT_EQ(**len, p.size());
  auto sp = parse_startup_packet(p);
  ASSERT_TRUE(sp);
  EXPECT_EQ(sp->kind, StartupPacket::Kind::startup);
  EXPECT_EQ(sp->major, 3);
  EXPECT_EQ(*sp->param("database"), "exo");
  Bytes c;
  append_cancel_request(c, 42, 7);
  auto cp = parse_startup_packet(c);
  ASSERT_TRUE(cp);
  EXPECT_EQ(cp->kind, StartupPacket::Kind::cancel_request);
  EXPECT_EQ(cp->cancel_pid, 42u);
  EXPECT_EQ(cp->cancel_key, 7u);
  Bytes ssl{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
  EXPECT_EQ(parse_startup_packet(ssl)->kind, StartupPacket::Kind::ssl_request);
}

TEST(Startup, RejectsBadPackets) {
  Bytes tiny{0, 0, 0, 4};
  EXPECT_FALSE(startup_packet_length(tiny));
  Bytes big{0, 0, 0x27, 0x15};  // 10005 - 4 > 10000
  EXPECT_FALSE(startup_packet_length(big));
  Bytes largest{0, 0, 0x27, 0x14};  // 10004 - 4 = 10000: PostgreSQL reads it
  EXPECT_TRUE(startup_packet_length(largest));
  Bytes unterminated{0, 0, 0, 12, 0, 3, 0, 0, 'u', 's', 'e', 'r'};
  EXPECT_FALSE(parse_startup_packet(unterminated));
  Bytes no_value{0, 0, 0, 14, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 0};
  EXPECT_FALSE(parse_startup_packet(no_value));
}

TEST(Messages, ErrorRoundTrip) {
  Bytes e;
  append_error(e, {"ERROR", "42501", "denied: x"});
  auto fields = parse_error_fields(e);
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 4u);
  EXPECT_EQ((*fields)[2].first, 'C');
  EXPECT_EQ((*fields)[2].second, "42501");
  EXPECT_EQ((*fields)[3].second, "denied: x");
  Bytes truncated(e.begin(), e.end() - 1);
  EXPECT_FALSE(parse_error_fields(truncated));
}

TEST(Messages, ParseAndSasl) {
  Bytes p;
  append_parse(p, "s1", "select $1");
  auto parsed = parse_parse(p);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->statement, "s1");
  EXPECT_EQ(parsed->sql, "select $1");
  Bytes s;
  append_sasl_initial_response(s, "SCRAM-SHA-256", "n,,n=,r=abc");
  auto sasl = parse_sasl_initial_response(s);
  ASSERT_TRUE(sasl);
  EXPECT_EQ(sasl->mechanism, "SCRAM-SHA-256");
  EXPECT_EQ(sasl->data, "n,,n=,r=abc");
  Bytes bad_count = p;
  bad_count[bad_count.size() - 1] = 1;  // claims one parameter type, has none
  EXPECT_FALSE(parse_parse(bad_count));
  EXPECT_FALSE(parse_query(Bytes{'Q', 0, 0, 0, 5, 'x'}));
}

TEST(Messages, DataRow) {
  Bytes row{'D', 0, 0, 0, 19, 0, 3, 0, 0, 0, 2, 'h', 'i', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 'x'};
  row[4] = static_cast<std::uint8_t>(row.size() - 1);
  std::array<std::optional<ByteSpan>, 4> cols;
  auto n = parse_data_row(row, cols);
  ASSERT_TRUE(n) << n.error().message;
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(as_chars(*cols[0]), "hi");
  EXPECT_FALSE(cols[1]);
  EXPECT_EQ(as_chars(*cols[2]), "x");
  std::array<std::optional<ByteSpan>, 2> few;
  EXPECT_FALSE(parse_data_row(row, few));  // more columns than room
  Bytes lying = row;
  lying[10] = 50;  // first value claims 50 bytes
  EXPECT_FALSE(parse_data_row(lying, cols));
}

}  // namespace
}  // namespace sw::pg::codec
