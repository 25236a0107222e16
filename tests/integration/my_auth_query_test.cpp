// Issue 11, MySQL item 2: users that exist only on the backend log in
// through auth_user / auth_query (docs/auth-query.md), compared with the
// same logins made directly: a mysql_native_password account logs in (the
// proxy logs in to the backend with the SHA1(pw) the client's proof
// reveals), gets the tenant's default profile, works in transaction mode
// where the pool logs in again, and through COM_CHANGE_USER; a wrong
// password, an unknown name and a failing lookup answer 1045 as direct.
#include <mysql.h>

#include <future>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/mysql_conn.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

struct Root : MyRoot {
  void run(const std::string& sql) { exec(sql); }
};

ProxyOptions auth_options(const std::string& auth_password = "auth-secret") {
  ProxyOptions o;
  // read_only without its function list, so that SLEEP() may hold
  // connections below.
  o.tenant_toml = "default_profile = \"backend_only\"";
  o.my_tenant_toml = "auth_user = \"sw_auth\"";
  o.extra_toml = "\n[[users]]\nname = \"sw_auth\"\npassword = \"" + auth_password +
                 "\"\nprofile = \"read_only\"\n"
                 "[profiles.backend_only]\nbase = \"read_only\"\ndenied_functions = []\n";
  return o;
}

class MyAuthQuery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Root root;
    root.run("DROP USER IF EXISTS sw_auth, sw_backend_only");
    root.run("CREATE USER sw_auth IDENTIFIED BY 'auth-secret'");
    root.run("GRANT SELECT ON mysql.user TO sw_auth");
    root.run("CREATE USER sw_backend_only IDENTIFIED BY 'only-here'");
    root.run("GRANT SELECT, INSERT, CREATE TEMPORARY TABLES ON exo_cluster.* TO sw_backend_only");
  }
  static void TearDownTestSuite() {
    Root root;
    root.run("DROP USER IF EXISTS sw_auth, sw_backend_only");
  }
};

std::string whoami(MyConn& c) {
  return c.scalar("SELECT CONCAT(SUBSTRING_INDEX(CURRENT_USER(), '@', 1), ' ', DATABASE())");
}

TEST_F(MyAuthQuery, BackendOnlyUserLogsInAsDirect) {
  ProxyProcess proxy("my_auth_query", auth_options());
  MyConn direct, through;
  ASSERT_TRUE(direct.connect(servers().my_port, "sw_backend_only", "only-here"));
  ASSERT_TRUE(through.connect(proxy.my_port(), "sw_backend_only", "only-here"))
      << mysql_error(through.m) << proxy.log();
  EXPECT_EQ(whoami(through), whoami(direct));
  EXPECT_EQ(through.scalar("SELECT COUNT(*) FROM ai_models"),
            direct.scalar("SELECT COUNT(*) FROM ai_models"));
  // The tenant's default profile (read-only) applies: the server would
  // allow the INSERT, the proxy's gate does not.
  EXPECT_NE(mysql_query(through.m, "INSERT INTO ai_models (name) VALUES ('x')"), 0);
  EXPECT_NE(std::string(mysql_error(through.m)).find("backend_only"), std::string::npos)
      << mysql_error(through.m);

  // Wrong password and unknown user: 1045 in the server's words.
  for (auto [user, password] : {std::pair{"sw_backend_only", "wrong"}, {"sw_nobody", "x"}}) {
    MyConn d, t;
    EXPECT_FALSE(d.connect(servers().my_port, user, password));
    EXPECT_FALSE(t.connect(proxy.my_port(), user, password));
    EXPECT_EQ(mysql_errno(t.m), mysql_errno(d.m)) << user;
    EXPECT_EQ(mysql_errno(t.m), 1045u) << mysql_error(t.m);
  }

  // COM_CHANGE_USER from a configured user to the backend-only one.
  MyConn changer;
  ASSERT_TRUE(changer.connect(proxy.my_port()));
  ASSERT_EQ(mysql_change_user(changer.m, "sw_backend_only", "only-here", "exo_cluster"), 0)
      << mysql_error(changer.m);
  EXPECT_EQ(whoami(changer), "sw_backend_only exo_cluster");

  // Transaction mode (the default here): statements running at the same
  // time need server connections of their own, each a fresh backend login
  // with the recovered secret.
  std::vector<std::future<std::string>> running;
  for (int i = 0; i < 4; ++i)
    running.push_back(std::async(std::launch::async, [&proxy] {
      MyConn c;
      if (!c.connect(proxy.my_port(), "sw_backend_only", "only-here")) return std::string("-");
      return c.scalar("SELECT CONCAT(SUBSTRING_INDEX(CURRENT_USER(), '@', 1), SLEEP(0.5))");
    }));
  for (auto& r : running) EXPECT_EQ(r.get(), "sw_backend_only0");
}

TEST_F(MyAuthQuery, FailingLookupIsLoggedAndAnsweredAsAWrongPassword) {
  ProxyProcess proxy("my_auth_query_bad", auth_options("not-the-auth-password"));
  MyConn through;
  EXPECT_FALSE(through.connect(proxy.my_port(), "sw_backend_only", "only-here"));
  EXPECT_EQ(mysql_errno(through.m), 1045u) << mysql_error(through.m);
  EXPECT_NE(proxy.log().find("auth_query lookup of 'sw_backend_only' failed"), std::string::npos)
      << proxy.log();
  // Configured users are unaffected.
  MyConn app;
  EXPECT_TRUE(app.connect(proxy.my_port())) << mysql_error(app.m);
}

}  // namespace
}  // namespace sw::test
