#include "proxy/mysql/codec/prepared.hpp"

#include <gtest/gtest.h>

namespace sw::mysql {
namespace {

// COM_STMT_EXECUTE for 2 parameters: id 7, no cursor, iteration 1.
Bytes execute(bool with_types) {
  Bytes p = {0x17, 7, 0, 0, 0, 0, 1, 0, 0, 0, /*null bitmap*/ 0, /*bound*/ with_types};
  if (with_types) p.insert(p.end(), {8, 0, 253, 0});  // LONGLONG, VAR_STRING
  p.insert(p.end(), {42, 0, 0, 0, 0, 0, 0, 0, 2, 'h', 'i'});
  return p;
}

TEST(PreparedCodec, ExecuteAlwaysCarriesTheClientsTypes) {
  std::string types;
  auto first = execute_for_server(execute(true), 2, 99, types);
  ASSERT_TRUE(first);
  EXPECT_EQ(*command_statement_id(*first), 99u);
  EXPECT_EQ(types, std::string("\x08\x00\xfd\x00", 4));
  EXPECT_EQ(*first, [] {
    Bytes b = execute(true);
    b[1] = 99;
    return b;
  }());
  // A later execute without types gets the remembered ones.
  auto later = execute_for_server(execute(false), 2, 5, types);
  ASSERT_TRUE(later);
  Bytes expected = execute(true);
  expected[1] = 5;
  EXPECT_EQ(*later, expected);
}

TEST(PreparedCodec, RefusesWhatItCannotRewrite) {
  std::string none;
  EXPECT_FALSE(execute_for_server(execute(false), 2, 1, none));  // no types ever bound
  Bytes short_packet = {0x17, 1, 0};
  EXPECT_FALSE(execute_for_server(short_packet, 0, 1, none));
  Bytes no_params = {0x17, 3, 0, 0, 0, 0, 1, 0, 0, 0};
  auto r = execute_for_server(no_params, 0, 8, none);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)[1], 8);
}

// COM_STMT_BULK_EXECUTE for 2 parameters, id 7, two rows of indicator + value.
Bytes bulk(bool with_types) {
  Bytes p = {0xfa, 7, 0, 0, 0, static_cast<std::uint8_t>(with_types ? 128 : 0), 0};
  if (with_types) p.insert(p.end(), {8, 0, 253, 0});
  p.insert(p.end(), {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'a'});  // row 1: 1, 'a'
  p.insert(p.end(), {0, 2, 0, 0, 0, 0, 0, 0, 0, 1});          // row 2: 2, NULL
  return p;
}

TEST(PreparedCodec, BulkExecuteAlwaysCarriesTheClientsTypes) {
  std::string types;
  EXPECT_FALSE(bulk_execute_for_server(bulk(false), 2, 1, types));  // nothing bound yet
  auto first = bulk_execute_for_server(bulk(true), 2, 99, types);
  ASSERT_TRUE(first);
  Bytes expected = bulk(true);
  expected[1] = 99;
  EXPECT_EQ(*first, expected);
  EXPECT_EQ(types, std::string("\x08\x00\xfd\x00", 4));
  // Types an earlier COM_STMT_EXECUTE or bulk bound are sent along.
  auto later = bulk_execute_for_server(bulk(false), 2, 5, types);
  ASSERT_TRUE(later);
  expected[1] = 5;
  EXPECT_EQ(*later, expected);
  EXPECT_FALSE(bulk_execute_for_server(Bytes{0xfa, 1, 0, 0}, 2, 1, types));
  Bytes truncated_types = {0xfa, 7, 0, 0, 0, 128, 0, 8};
  EXPECT_FALSE(bulk_execute_for_server(truncated_types, 2, 1, types));
}

TEST(PreparedCodec, PrepareOk) {
  Bytes ok = {0, 5, 0, 0, 0, 2, 0, 1, 0, 0, 0, 0};
  auto p = parse_prepare_ok(ok);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->statement_id, 5u);
  EXPECT_EQ(p->columns, 2);
  EXPECT_EQ(p->params, 1);
  set_statement_id(ok.data(), 0x01020304);
  EXPECT_EQ(parse_prepare_ok(ok)->statement_id, 0x01020304u);
  EXPECT_FALSE(parse_prepare_ok(Bytes{0xff, 1, 2}));
}

}  // namespace
}  // namespace sw::mysql
