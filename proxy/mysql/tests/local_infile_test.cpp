// LOAD DATA LOCAL: which file names a request may make the server ask for.
#include "proxy/mysql/codec/local_infile.hpp"

#include <gtest/gtest.h>

namespace sw::mysql {
namespace {

TEST(LocalInfile, PlanListsFilesInOrder) {
  auto plan = plan_local_infile(
      "LOAD DATA LOCAL INFILE '/tmp/a.csv' INTO TABLE t; select 1; "
      "load data low_priority local infile \"/tmp/b\" into table u; "
      "LOAD XML LOCAL INFILE 'c.xml' INTO TABLE v",
      false, false);
  EXPECT_EQ(plan.statements, 4u);
  EXPECT_EQ(plan.files, (std::vector<std::string>{"/tmp/a.csv", "/tmp/b", "c.xml"}));
  auto none = plan_local_infile("LOAD DATA INFILE '/tmp/a' INTO TABLE t", false, false);
  EXPECT_TRUE(none.files.empty());
  EXPECT_EQ(plan_local_infile("/* c */ LOAD XML LOCAL INFILE 'x' INTO TABLE t", false, false).files,
            std::vector<std::string>{"x"});
  EXPECT_TRUE(plan_local_infile("SELECT 'LOAD DATA LOCAL'", false, false).files.empty());
  EXPECT_EQ(plan_local_infile("select 'local infile'", false, false).files.size(), 0u);
  // Not a plain literal: no name, so the server's request will be refused.
  EXPECT_TRUE(plan_local_infile("LOAD DATA LOCAL INFILE x'2f6574632f706173737764' INTO TABLE t",
                                false, false)
                  .files.empty());
}

TEST(LocalInfile, LiteralsDecodeAsTheServerDoes) {
  EXPECT_EQ(decode_string_literal("'a''b'", false), "a'b");
  EXPECT_EQ(decode_string_literal("'a\\'b'", false), "a'b");
  EXPECT_EQ(decode_string_literal("'c:\\\\x\\\\y'", false), "c:\\x\\y");
  EXPECT_EQ(decode_string_literal("'c:\\\\x'", true), "c:\\\\x");
  EXPECT_EQ(decode_string_literal("'a\\nb'", false), "a\nb");
  EXPECT_EQ(decode_string_literal("'a\\%'", false), "a\\%");
  EXPECT_EQ(decode_string_literal("\"x\"\"y\"", false), "x\"y");
  EXPECT_FALSE(decode_string_literal("x'41'", false));
  EXPECT_FALSE(decode_string_literal("'", false));
}

TEST(LocalInfile, RequestPacket) {
  Bytes p = {0xfb, '/', 'e', 't', 'c'};
  EXPECT_EQ(local_infile_request(p), "/etc");
  Bytes ok = {0x00, 0, 0};
  EXPECT_FALSE(local_infile_request(ok));
  EXPECT_FALSE(local_infile_request({}));
}

}  // namespace
}  // namespace sw::mysql
