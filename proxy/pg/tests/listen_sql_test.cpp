#include <gtest/gtest.h>

#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/listen_sql.hpp"

namespace sw::pg {
namespace {

using K = ListenOp::Kind;

TEST(ParseListen, FoldsUnquotedKeepsQuoted) {
  EXPECT_EQ(parse_listen("LISTEN vm_updates"), (ListenOp{K::listen, "vm_updates"}));
  EXPECT_EQ(parse_listen("listen VM_Updates;"), (ListenOp{K::listen, "vm_updates"}));
  EXPECT_EQ(parse_listen("LISTEN \"VM Updates\""), (ListenOp{K::listen, "VM Updates"}));
  EXPECT_EQ(parse_listen("LISTEN \"a\"\"b\""), (ListenOp{K::listen, "a\"b"}));
  EXPECT_EQ(parse_listen("  /* x /* nested */ */ UNLISTEN -- c\n chan ; "),
            (ListenOp{K::unlisten, "chan"}));
  EXPECT_EQ(parse_listen("UNLISTEN *"), (ListenOp{K::unlisten_all, ""}));
  EXPECT_EQ(parse_listen("LISTEN ch$1"), (ListenOp{K::listen, "ch$1"}));
  EXPECT_EQ(parse_listen("LISTEN name"), (ListenOp{K::listen, "name"}));  // unreserved keyword
}

TEST(ParseListen, TruncatesLikeTheServer) {
  std::string longname(70, 'x');
  EXPECT_EQ(parse_listen("LISTEN " + longname)->channel, std::string(63, 'x'));
  // 62 ASCII bytes and a 2-byte character: cut before the character.
  std::string s(62, 'a');
  s += "\xc3\xa9zz";
  EXPECT_EQ(parse_listen("LISTEN \"" + s + "\"")->channel, std::string(62, 'a'));
}

TEST(ParseListen, LeavesEverythingElseToTheServer) {
  EXPECT_FALSE(parse_listen("NOTIFY c"));
  EXPECT_FALSE(parse_listen("LISTEN a; LISTEN b"));
  EXPECT_FALSE(parse_listen("BEGIN; LISTEN a; COMMIT"));
  EXPECT_FALSE(parse_listen("LISTEN"));
  EXPECT_FALSE(parse_listen("LISTEN select"));
  EXPECT_FALSE(parse_listen("LISTEN \"\""));
  EXPECT_FALSE(parse_listen("LISTEN U&\"a\""));
  EXPECT_FALSE(parse_listen("LISTEN 'a'"));
  EXPECT_FALSE(parse_listen("LISTEN a b"));
  EXPECT_FALSE(parse_listen("LISTEN /* unterminated"));
  EXPECT_FALSE(parse_listen("UNLISTEN * *"));
}

TEST(ParseSavepoint, Forms) {
  auto s = parse_savepoint("SAVEPOINT s1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, SavepointOp::Kind::savepoint);
  EXPECT_EQ(s->name, "s1");
  s = parse_savepoint("release savepoint S1;");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, SavepointOp::Kind::release);
  EXPECT_EQ(s->name, "s1");
  s = parse_savepoint("RELEASE savepoint");  // a savepoint named "savepoint"
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "savepoint");
  s = parse_savepoint("ROLLBACK TRANSACTION TO SAVEPOINT \"X\"");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->kind, SavepointOp::Kind::rollback_to);
  EXPECT_EQ(s->name, "X");
  s = parse_savepoint("rollback to s2");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->name, "s2");
  EXPECT_FALSE(parse_savepoint("ROLLBACK"));
  EXPECT_FALSE(parse_savepoint("COMMIT"));
  EXPECT_FALSE(parse_savepoint("SAVEPOINT a; SAVEPOINT b"));
}

TEST(ListenTransaction, CommitAppliesInOrderRollbackForgets) {
  ListenTransaction tx;
  tx.add({K::listen, "a"});
  tx.add({K::listen, "b"});
  tx.add({K::unlisten, "a"});
  std::set<std::string> ch{"z"};
  ListenTransaction::apply(tx.commit(), ch);
  EXPECT_EQ(ch, (std::set<std::string>{"b", "z"}));
  EXPECT_TRUE(tx.empty());
  tx.add({K::unlisten_all, ""});
  tx.add({K::listen, "c"});
  auto ops = tx.commit();
  ListenTransaction::apply(ops, ch);
  EXPECT_EQ(ch, (std::set<std::string>{"c"}));
  tx.add({K::listen, "d"});
  tx.rollback();
  EXPECT_TRUE(tx.commit().empty());
}

TEST(ListenTransaction, Savepoints) {
  ListenTransaction tx;
  tx.add({K::listen, "a"});
  tx.apply(SavepointOp{SavepointOp::Kind::savepoint, "s1"});
  tx.add({K::listen, "b"});
  tx.apply(SavepointOp{SavepointOp::Kind::savepoint, "s2"});
  tx.add({K::listen, "c"});
  tx.apply(SavepointOp{SavepointOp::Kind::rollback_to, "s1"});  // drops b, c and s2
  tx.add({K::listen, "d"});
  tx.apply(SavepointOp{SavepointOp::Kind::rollback_to, "s2"});  // gone: no effect
  tx.apply(SavepointOp{SavepointOp::Kind::savepoint, "s3"});
  tx.add({K::listen, "e"});
  tx.apply(SavepointOp{SavepointOp::Kind::release, "s3"});  // keeps e
  std::set<std::string> ch;
  ListenTransaction::apply(tx.commit(), ch);
  EXPECT_EQ(ch, (std::set<std::string>{"a", "d", "e"}));
}

TEST(Messages, CommandCompleteAndNotification) {
  Bytes out;
  codec::append_command_complete(out, "LISTEN");
  EXPECT_EQ(*codec::parse_command_complete(out), "LISTEN");
  Bytes n = {'A', 0, 0, 0, 15, 0, 0, 0x30, 0x39, 'c', 'h', 0, 'p', 'a', 'y', 0};
  auto parsed = codec::parse_notification(n);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->pid, 12345u);
  EXPECT_EQ(parsed->channel, "ch");
  EXPECT_EQ(parsed->payload, "pay");
  n[4] = 14;
  n.pop_back();
  EXPECT_FALSE(codec::parse_notification(n));
}

}  // namespace
}  // namespace sw::pg
