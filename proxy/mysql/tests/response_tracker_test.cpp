// Scripted server answers fed to the tracker whole and byte by byte.
#include <gtest/gtest.h>

#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/messages.hpp"
#include "proxy/mysql/codec/packet.hpp"
#include "proxy/mysql/codec/response_tracker.hpp"

namespace sw::mysql {
namespace {

struct Script {
  Bytes bytes;
  std::uint8_t seq = 1;
  void add(std::string_view payload) { seq = append_packets(bytes, seq, as_bytes(payload)); }
  void add(const Bytes& payload) { seq = append_packets(bytes, seq, payload); }
  void column() {
    add(
        std::string("\x03"
                    "def\x00\x00\x00\x01"
                    "a\x00\x0c\x3f\x00",
                    14));
  }
  void eof(std::uint16_t st) {
    Bytes p;
    encode_eof(0, st, p);
    add(p);
  }
  void ok(std::uint16_t st, bool as_terminator) {
    Bytes p;
    encode_ok(OkPacket{0, 0, st, 0}, 0, p);
    if (as_terminator) p[0] = 0xfe;
    add(p);
  }
};

// Feeds `s` plus trailing garbage; expects the tracker to stop exactly at the end.
void expect_ends_exactly(ResponseKind kind, std::uint32_t caps, const Script& s) {
  bool big = s.bytes.size() > (1u << 20);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, s.bytes.size() + 5}) {
    if (big && chunk < 8) chunk *= 4099;  // byte-by-byte over 16 MiB takes seconds
    ResponseTracker t(caps);
    t.start(kind, 1);
    Bytes stream = s.bytes;
    stream.insert(stream.end(), {0xaa, 0xbb, 0xcc, 0xdd, 0xee});
    std::size_t pos = 0;
    while (!t.done() && pos < stream.size()) {
      std::size_t n = std::min(chunk, stream.size() - pos);
      auto used = t.consume(ByteSpan(stream).subspan(pos, n));
      ASSERT_TRUE(used) << used.error().message;
      pos += *used;
      if (*used < n) break;
    }
    EXPECT_TRUE(t.done()) << "chunk " << chunk;
    EXPECT_EQ(pos, s.bytes.size()) << "chunk " << chunk;
  }
}

TEST(MyResponseTracker, OkAndErrAreSingle) {
  Script ok;
  ok.ok(status::autocommit, false);
  expect_ends_exactly(ResponseKind::text_rows, cap::deprecate_eof, ok);
  Script err;
  Bytes p;
  encode_err(ErrPacket{1064, "42000", "syntax"}, p);
  err.add(p);
  expect_ends_exactly(ResponseKind::text_rows, 0, err);
}

TEST(MyResponseTracker, TextResultWithEof) {
  Script s;
  s.add(std::string_view("\x02"));
  s.column();
  s.column();
  s.eof(status::autocommit);
  s.add(
      std::string_view("\x01"
                       "1\x01"
                       "2"));
  s.add(
      std::string_view("\xfb\x01"
                       "3"));  // NULL then "3"
  s.eof(status::autocommit);
  expect_ends_exactly(ResponseKind::text_rows, 0, s);
}

// MariaDB's EXTENDED_METADATA: a column definition carries one more
// lenenc field (type/format pairs, here "json") before the fixed fields.
// Definitions are counted, never parsed, so the answer's end is the same.
TEST(MyResponseTracker, ExtendedMetadataColumnDefinitions) {
  std::string json_column(
      "\x03"
      "def\x0b"
      "exo_cluster\x01t\x01t\x03"
      "doc\x03"
      "doc"
      "\x06\x00\x04json"  // extended metadata: type = "json"
      "\x0c\x2d\x00\xff\xff\xff\xff\xfc\x90\x00\x00\x00\x00",
      48);
  for (bool deprecate_eof : {false, true}) {
    Script s;
    s.add(std::string_view("\x01"));
    s.add(json_column);
    if (!deprecate_eof) s.eof(status::autocommit);
    s.add(std::string_view("\x07{\"a\":1}"));
    if (deprecate_eof)
      s.ok(status::autocommit, true);
    else
      s.eof(status::autocommit);
    expect_ends_exactly(ResponseKind::text_rows, deprecate_eof ? cap::deprecate_eof : 0, s);
    expect_ends_exactly(ResponseKind::binary_rows, deprecate_eof ? cap::deprecate_eof : 0, s);
  }
}

// What a compressed server sends after a command that took 21 compressed
// packets: its packets numbered from 21. Relayed with the numbers an
// uncompressed client expects, from the answer's first sequence id.
TEST(MyResponseTracker, RenumbersWhatACompressedServerSends) {
  Script s;
  s.seq = 21;
  s.add(std::string_view("\x01"));
  s.column();
  s.eof(status::autocommit);
  s.add(
      std::string_view("\x01"
                       "7"));
  s.eof(status::autocommit);
  Bytes stream = s.bytes;
  for (std::size_t chunk : {std::size_t{1}, std::size_t{5}, stream.size()}) {
    Bytes data = stream;
    ResponseTracker t(0);
    t.start(ResponseKind::text_rows, 1);
    std::size_t pos = 0;
    while (!t.done() && pos < data.size()) {
      std::size_t n = std::min(chunk, data.size() - pos);
      auto used = t.consume_renumbering(data.data() + pos, n);
      ASSERT_TRUE(used) << used.error().message;
      pos += *used;
    }
    EXPECT_TRUE(t.done());
    EXPECT_EQ(pos, data.size());
    // Now an ordinary tracker accepts it: numbered 1, 2, 3...
    ResponseTracker check(0);
    check.start(ResponseKind::text_rows, 1);
    auto all = check.consume(data);
    ASSERT_TRUE(all) << all.error().message;
    EXPECT_TRUE(check.done());
  }
  ResponseTracker strict(0);
  strict.start(ResponseKind::text_rows, 1);
  EXPECT_FALSE(strict.consume(stream));
}

TEST(MyResponseTracker, TextResultDeprecateEofAndMultiResults) {
  Script s;
  s.add(std::string_view("\x01"));
  s.column();
  s.add(
      std::string_view("\x01"
                       "1"));
  s.ok(status::autocommit | status::more_results, true);
  s.ok(status::autocommit | status::more_results, false);  // an UPDATE's OK in the middle
  s.add(std::string_view("\x01"));
  s.column();
  s.ok(status::autocommit, true);
  ResponseTracker t(cap::deprecate_eof);
  t.start(ResponseKind::text_rows, 1);
  expect_ends_exactly(ResponseKind::text_rows, cap::deprecate_eof, s);
}

TEST(MyResponseTracker, ErrorEndsMultiResults) {
  Script s;
  s.ok(status::more_results, false);
  Bytes p;
  encode_err(ErrPacket{1146, "42S02", "no table"}, p);
  s.add(p);
  expect_ends_exactly(ResponseKind::text_rows, cap::deprecate_eof, s);
}

TEST(MyResponseTracker, RowOver16MiBIsNotMistakenForATerminator) {
  Script s;
  s.add(std::string_view("\x01"));
  s.column();
  std::string big(0xffffff + 100, 'r');
  big[0] = static_cast<char>(0xfe);  // lenenc 8-byte length prefix, like a real huge value
  s.add(big);
  s.ok(status::autocommit, true);
  expect_ends_exactly(ResponseKind::text_rows, cap::deprecate_eof, s);
}

TEST(MyResponseTracker, PrepareAnswerWithAndWithoutEof) {
  for (std::uint32_t caps : {0u, cap::deprecate_eof}) {
    Script s;
    s.add(std::string("\x00\x07\x00\x00\x00\x02\x00\x01\x00\x00\x00\x00", 12));
    s.column();  // param
    if (!(caps & cap::deprecate_eof)) s.eof(0);
    s.column();
    s.column();
    if (!(caps & cap::deprecate_eof)) s.eof(0);
    expect_ends_exactly(ResponseKind::prepare, caps, s);
    ResponseTracker t(caps);
    t.start(ResponseKind::prepare, 1);
    ASSERT_TRUE(t.consume(s.bytes));
    EXPECT_EQ(t.statement_id(), 7u);
  }
}

TEST(MyResponseTracker, CursorOpenEndsAfterMetadata) {
  for (std::uint32_t caps : {0u, cap::deprecate_eof}) {
    Script s;
    s.add(std::string_view("\x01"));
    s.column();
    s.eof(status::cursor_exists | status::autocommit);
    expect_ends_exactly(ResponseKind::binary_rows, caps, s);
    Script fetch;
    fetch.add(std::string("\x00\x00\x01\x00\x00\x00", 6));
    fetch.eof(status::cursor_exists | status::last_row_sent);
    expect_ends_exactly(ResponseKind::fetch, caps, fetch);
  }
}

TEST(MyResponseTracker, WrongServerSequenceIsAnError) {
  Script s;
  s.seq = 5;
  s.ok(0, false);
  ResponseTracker t(0);
  t.start(ResponseKind::single, 1);
  EXPECT_FALSE(t.consume(s.bytes));
}

TEST(MyResponseTracker, LocalInfileRequestIsRefused) {
  Script s;
  s.add(std::string_view("\xfb/etc/passwd"));
  ResponseTracker t(0);
  t.start(ResponseKind::text_rows, 1);
  EXPECT_FALSE(t.consume(s.bytes));
}

// LOAD DATA LOCAL: with stop_at_result_start the driver gets to see every
// result's first packet (where a 0xFB file request can come) before it is
// relayed, even when the server sent several results in one read.
TEST(MyResponseTracker, StopsAtResultStartsWhenAsked) {
  Script s;
  s.ok(status::more_results, false);
  std::size_t first = s.bytes.size();
  s.ok(status::more_results, false);
  std::size_t second = s.bytes.size();
  s.ok(0, false);
  ResponseTracker t(cap::deprecate_eof);
  t.start(ResponseKind::text_rows, 1);
  t.set_stop_at_result_start(true);
  EXPECT_TRUE(t.at_result_start());
  auto used = t.consume(s.bytes);
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, first);
  EXPECT_TRUE(t.at_result_start());
  used = t.consume(ByteSpan(s.bytes).subspan(first));
  ASSERT_TRUE(used);
  EXPECT_EQ(*used, second - first);
  t.set_stop_at_result_start(false);
  used = t.consume(ByteSpan(s.bytes).subspan(second));
  ASSERT_TRUE(used);
  EXPECT_TRUE(t.done());
  // After a handled file request the server's answer continues the sequence.
  ResponseTracker u(cap::deprecate_eof);
  u.start(ResponseKind::text_rows, 1);
  u.resume_after_local_infile(4);
  Script after;
  after.seq = 4;
  after.ok(0, false);
  used = u.consume(after.bytes);
  ASSERT_TRUE(used) << used.error().message;
  EXPECT_TRUE(u.done());
}

}  // namespace
}  // namespace sw::mysql
