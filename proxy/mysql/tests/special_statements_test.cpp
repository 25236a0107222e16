#include <gtest/gtest.h>

#include "proxy/mysql/codec/special_statements.hpp"

namespace sw::mysql {
namespace {

TEST(MyKill, RecognisedForms) {
  KillStatement k;
  ASSERT_EQ(parse_kill_statement("KILL 12", k), KillParse::kill);
  EXPECT_EQ(k.id, 12u);
  EXPECT_FALSE(k.query_only);
  ASSERT_EQ(parse_kill_statement("  kill query 7 ;", k), KillParse::kill);
  EXPECT_TRUE(k.query_only);
  EXPECT_EQ(k.id, 7u);
  ASSERT_EQ(parse_kill_statement("/* x */ KILL SOFT CONNECTION 3 -- bye\n", k), KillParse::kill);
  EXPECT_FALSE(k.hard);
  EXPECT_EQ(k.id, 3u);
}

TEST(MyKill, ConnectionIdMeansTheClientsOwnConnection) {
  KillStatement k;
  ASSERT_EQ(parse_kill_statement("KILL CONNECTION_ID()", k), KillParse::kill);
  EXPECT_TRUE(k.self);
  EXPECT_FALSE(k.query_only);
  ASSERT_EQ(parse_kill_statement("kill query connection_id ( ) ;", k), KillParse::kill);
  EXPECT_TRUE(k.self);
  EXPECT_TRUE(k.query_only);
  ASSERT_EQ(parse_kill_statement("KILL 4", k), KillParse::kill);
  EXPECT_FALSE(k.self);  // a fresh parse forgets the previous one
  EXPECT_EQ(parse_kill_statement("KILL CONNECTION_ID", k), KillParse::unsupported);
  EXPECT_EQ(parse_kill_statement("KILL CONNECTION_ID() + 1", k), KillParse::unsupported);
}

TEST(MyKill, NumberedKillInABatchIsFound) {
  EXPECT_TRUE(batch_kills_by_number("SELECT 1; KILL 5", false));
  EXPECT_TRUE(batch_kills_by_number("select 1;kill query 5;select 2", false));
  EXPECT_TRUE(batch_kills_by_number("SELECT 1; /*!KILL 5*/", false));
  EXPECT_TRUE(batch_kills_by_number("KILL 5; SELECT 1", false));
  EXPECT_FALSE(batch_kills_by_number("SELECT 1; KILL CONNECTION_ID()", false));
  EXPECT_FALSE(batch_kills_by_number("SELECT 1; KILL QUERY CONNECTION_ID(); SELECT 2", false));
  EXPECT_FALSE(batch_kills_by_number("KILL 5", false));  // alone: mapped by the proxy
  EXPECT_FALSE(batch_kills_by_number("KILL 5;", false));
  EXPECT_FALSE(batch_kills_by_number("SELECT 'a; KILL 5'", false));
  EXPECT_FALSE(batch_kills_by_number("SELECT 1; -- KILL 5", false));
  EXPECT_FALSE(batch_kills_by_number("SELECT 1; SELECT 'kill'", false));
}

TEST(MyKill, OtherStatementsAndUnsupportedForms) {
  KillStatement k;
  EXPECT_EQ(parse_kill_statement("SELECT 1", k), KillParse::not_kill);
  EXPECT_EQ(parse_kill_statement("killer", k), KillParse::not_kill);
  EXPECT_EQ(parse_kill_statement("KILL USER app", k), KillParse::unsupported);
  EXPECT_EQ(parse_kill_statement("KILL QUERY ID 5", k), KillParse::unsupported);
  EXPECT_EQ(parse_kill_statement("KILL 5; DROP TABLE t", k), KillParse::unsupported);
  EXPECT_EQ(parse_kill_statement("KILL /*!50000 5 */", k), KillParse::unsupported);
}

}  // namespace
}  // namespace sw::mysql
