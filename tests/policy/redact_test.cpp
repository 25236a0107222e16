// Audit text redaction: credentials never survive, in any mode; `literals`
// mode replaces every literal; everything else is kept byte for byte.
#include <string>

#include <gtest/gtest.h>

#include "parsers/redact.hpp"

namespace {

using sw::parsers::Dialect;
using sw::parsers::MysqlLexOptions;
using sw::parsers::redact_sql;
using sw::parsers::RedactMode;

std::string secrets(Dialect d, std::string_view sql, MysqlLexOptions o = {}) {
  return redact_sql(d, o, sql, RedactMode::secrets).text;
}
std::string literals(Dialect d, std::string_view sql) {
  return redact_sql(d, {}, sql, RedactMode::literals).text;
}

TEST(Redact, OrdinaryStatementsKeptVerbatimInSecretsMode) {
  for (auto d : {Dialect::postgres, Dialect::mysql}) {
    std::string sql = "SELECT * FROM t WHERE a = 'x' /* c */ AND b = 42;\n";
    EXPECT_EQ(secrets(d, sql), sql);
    EXPECT_FALSE(redact_sql(d, {}, sql, RedactMode::secrets).had_secret);
  }
}

// Secrets mode keeps text without any credential mark as sent, without
// lexing it (the audit hot path); a mark anywhere, in any case, inside a
// literal or a comment, still sends the text through the redactor.
TEST(Redact, SecretsModeFastPathOnlyWithoutAnyMark) {
  for (auto d : {Dialect::postgres, Dialect::mysql}) {
    EXPECT_EQ(secrets(d, "SELECT 'unterminated"), "SELECT 'unterminated");
    EXPECT_EQ(secrets(d, "ALTER USER x PaSsWoRd 'p4ss'").find("p4ss"), std::string::npos);
    EXPECT_EQ(secrets(d, "SELECT f('host=h pwd=p4ss')").find("p4ss"), std::string::npos);
    EXPECT_EQ(secrets(d, "SELECT f('host=h PASSWORD=p4ss')").find("p4ss"), std::string::npos);
  }
}

TEST(Redact, LiteralsModeReplacesEveryLiteral) {
  EXPECT_EQ(literals(Dialect::postgres, "SELECT * FROM t WHERE a = E'x\\'y' AND b = 4.2e1 AND $1"),
            "SELECT * FROM t WHERE a = ? AND b = ? AND $1");
  EXPECT_EQ(literals(Dialect::postgres, "SELECT $tag$ body $tag$, x'1F'"), "SELECT ?, ?");
  EXPECT_EQ(literals(Dialect::mysql, "SELECT 'a\\'b', \"c\", 0x1F FROM `t` WHERE id IN (1,2)"),
            "SELECT ?, ?, ? FROM `t` WHERE id IN (?,?)");
}

TEST(Redact, PasswordsMaskedInEveryMode) {
  struct Case {
    Dialect d;
    const char* sql;
    const char* secret;
  };
  const Case cases[] = {
      {Dialect::postgres, "ALTER USER x PASSWORD 'p4ssw0rd'", "p4ssw0rd"},
      {Dialect::postgres, "CREATE ROLE bob WITH LOGIN ENCRYPTED PASSWORD 'hunter2' VALID UNTIL 'x'",
       "hunter2"},
      {Dialect::postgres, "alter role bob password $q$hunter2$q$", "hunter2"},
      {Dialect::postgres, "ALTER USER x PASSWORD E'hunt\\'er2'", "er2"},
      {Dialect::postgres, "CREATE USER MAPPING FOR x SERVER s OPTIONS (user 'u', password 'zz9')",
       "zz9"},
      {Dialect::postgres, "SELECT dblink_connect('host=h dbname=d password=zz9')", "zz9"},
      {Dialect::postgres, "CREATE SUBSCRIPTION s CONNECTION 'dbname=d password=zz9' PUBLICATION p",
       "zz9"},
      {Dialect::postgres, "SELECT pgp_sym_encrypt(data, 'k3y') FROM t", "k3y"},
      {Dialect::postgres, "ALTER USER x PASSWORD 'p4ss -- unterminated", "p4ss"},
      {Dialect::mysql, "SET PASSWORD = PASSWORD('p4ssw0rd')", "p4ssw0rd"},
      {Dialect::mysql, "SET PASSWORD FOR 'bob'@'%' = 'p4ssw0rd'", "p4ssw0rd"},
      {Dialect::mysql, "CREATE USER 'bob'@'%' IDENTIFIED BY 'p4ssw0rd'", "p4ssw0rd"},
      {Dialect::mysql, "CREATE USER bob IDENTIFIED BY \"p4ssw0rd\"", "p4ssw0rd"},
      {Dialect::mysql, "ALTER USER bob IDENTIFIED WITH mysql_native_password AS '*ABCDEF'",
       "ABCDEF"},
      {Dialect::mysql, "GRANT ALL ON *.* TO bob IDENTIFIED BY 'p4ssw0rd'", "p4ssw0rd"},
      {Dialect::mysql, "CHANGE MASTER TO MASTER_HOST='h', MASTER_PASSWORD='p4ssw0rd'", "p4ssw0rd"},
      {Dialect::mysql, "/*!50700 ALTER USER bob IDENTIFIED BY 'p4ssw0rd' */", "p4ssw0rd"},
      {Dialect::mysql, "SELECT AES_ENCRYPT('data', 'k3y')", "k3y"},
      {Dialect::mysql, "ALTER USER bob IDENTIFIED BY 'p4ss' # p4ss again", "p4ss"},
      {Dialect::mysql, "CREATE USER bob IDENTIFIED BY 'p4ss", "p4ss"},
  };
  for (const auto& c : cases) {
    for (auto mode : {RedactMode::secrets, RedactMode::literals}) {
      auto r = redact_sql(c.d, {}, c.sql, mode);
      EXPECT_EQ(r.text.find(c.secret), std::string::npos) << c.sql << " → " << r.text;
      bool connection_string =
          std::string_view(c.sql).find("dblink") != std::string_view::npos ||
          std::string_view(c.sql).find("SUBSCRIPTION") != std::string_view::npos;
      if (!connection_string) {
        EXPECT_TRUE(r.had_secret) << c.sql;
      }
    }
  }
  // ANSI_QUOTES: "…" is an identifier to the lexer, still masked in a credential statement.
  MysqlLexOptions ansi;
  ansi.ansi_quotes = true;
  EXPECT_EQ(secrets(Dialect::mysql, "CREATE USER bob IDENTIFIED BY \"p4ss\"", ansi).find("p4ss"),
            std::string::npos);
}

TEST(Redact, OnlyTheCredentialStatementOfABatchIsMasked) {
  EXPECT_EQ(secrets(Dialect::mysql, "SELECT 'keep'; SET PASSWORD = PASSWORD('p'); SELECT 2"),
            "SELECT 'keep'; SET PASSWORD = PASSWORD(?); SELECT 2");
  EXPECT_EQ(secrets(Dialect::postgres, "ALTER USER x PASSWORD 'p'"), "ALTER USER x PASSWORD ?");
}

}  // namespace
