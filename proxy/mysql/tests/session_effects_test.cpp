#include "proxy/mysql/codec/session_effects.hpp"

#include <gtest/gtest.h>

namespace sw::mysql {
namespace {

std::uint32_t bit(SessionPin p) {
  return static_cast<std::uint32_t>(p);
}

TEST(SessionEffects, PlainDmlHasNone) {
  for (const char* sql : {"SELECT 1", "insert into t values (1)", "UPDATE t SET a = 1 WHERE b = 2",
                          "SELECT 'GET_LOCK(' FROM t", "SELECT @@version", "SHOW TABLES",
                          "SELECT c FROM t WHERE s = 'SET @x := 1'"}) {
    SessionEffects e = session_effects(sql);
    EXPECT_EQ(e.pins, 0u) << sql;
    EXPECT_TRUE(e.replayable_sets.empty()) << sql;
    EXPECT_FALSE(e.hold_next) << sql;
  }
}

TEST(SessionEffects, SessionSetsAreReplayable) {
  SessionEffects e = session_effects("SET NAMES utf8mb4; SET SESSION sql_mode = 'ANSI'");
  EXPECT_EQ(e.pins, 0u);
  ASSERT_EQ(e.replayable_sets.size(), 2u);
  EXPECT_EQ(e.replayable_sets[0], "SET NAMES utf8mb4");
  EXPECT_EQ(e.replayable_sets[1], "SET SESSION sql_mode = 'ANSI'");
  EXPECT_EQ(session_effects("SET @@session.wait_timeout=10").replayable_sets.size(), 1u);
  EXPECT_TRUE(session_effects("SET GLOBAL wait_timeout=10").replayable_sets.empty());
  EXPECT_EQ(session_effects("SET GLOBAL a=1, SESSION b=2").pins, bit(SessionPin::other));
  EXPECT_TRUE(session_effects("SET autocommit = 0").starts_transaction);
  EXPECT_TRUE(session_effects("SET @@autocommit=OFF").starts_transaction);
  EXPECT_FALSE(session_effects("SET autocommit=1").starts_transaction);
  EXPECT_FALSE(session_effects("SET SESSION autocommit = ON").starts_transaction);
}

TEST(SessionEffects, StateThatCannotMovePins) {
  EXPECT_EQ(session_effects("SET @a = 1").pins, bit(SessionPin::user_variable));
  EXPECT_EQ(session_effects("SELECT @a := 5").pins, bit(SessionPin::user_variable));
  EXPECT_EQ(session_effects("SELECT 1 INTO @a").pins, bit(SessionPin::user_variable));
  EXPECT_EQ(session_effects("CREATE TEMPORARY TABLE t (a int)").pins, bit(SessionPin::temp_table));
  EXPECT_EQ(session_effects("select get_lock('x', 1)").pins, bit(SessionPin::advisory_lock));
  EXPECT_EQ(session_effects("LOCK TABLES t READ").pins, bit(SessionPin::table_lock));
  EXPECT_TRUE(session_effects("UNLOCK TABLES").unlock_tables);
  EXPECT_EQ(session_effects("PREPARE s FROM 'SELECT 1'").pins, bit(SessionPin::sql_prepare));
  EXPECT_EQ(session_effects("/*!40101 SET @OLD_X=@@X */").pins, bit(SessionPin::user_variable));
  EXPECT_EQ(session_effects("SELECT 1; SELECT GET_LOCK('a', 0)").pins,
            bit(SessionPin::advisory_lock));
}

TEST(SessionEffects, NextStatementAndLastInsertId) {
  EXPECT_TRUE(session_effects("SELECT SQL_CALC_FOUND_ROWS * FROM t LIMIT 1").hold_next);
  EXPECT_TRUE(session_effects("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").hold_next);
  EXPECT_TRUE(session_effects("SELECT LAST_INSERT_ID()").reads_last_insert_id);
  EXPECT_EQ(session_effects("SELECT LAST_INSERT_ID(5)").pins, bit(SessionPin::other));
  EXPECT_EQ(session_effects("USE `my``db`").use_database, "my`db");
}

}  // namespace
}  // namespace sw::mysql
