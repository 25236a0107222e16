// Acceptance 2 at the executor: the scripted OpenAI-style conversation
// (tests/tools/conversation.json) through seed 000's /database request
// handling and the tool executor, which logs in to a real sqlwarden's
// listeners as exo_ai — on both engines. tools_http_test plays the same
// conversation over HTTP.
#include <fstream>
#include <future>
#include <iterator>

#include <gtest/gtest.h>

#include "proxy/admin/tools/exo_api.hpp"
#include "proxy/admin/tools/tool_executor.hpp"
#include "proxy/admin/tools/tools_config.hpp"
#include "proxy/core/config_loader.hpp"
#include "tests/support/proxy_process.hpp"
#include "tests/tools/conversation_runner.hpp"

namespace sw::test {
namespace {

// The [tools] section as the test wants it: a short statement timeout so
// the timeout step takes ~1.5 s, not 30 s.
constexpr const char* kToolsToml = R"(
[tools]
database = "exo_cluster"
statement_timeout_ms = 1500
max_rows = 1000
)";

// The proxy's own config file plus the test's [tools] section, read as the
// runtime reads them.
std::unique_ptr<tools::ToolExecutor> make_executor(const ProxyProcess& proxy) {
  std::ifstream in(proxy.dir() + "/sqlwarden.toml");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  text += kToolsToml;
  auto load = load_toml_config_text(text, "sqlwarden.toml");
  EXPECT_TRUE(load.issues.empty()) << load.issues.front().message;
  auto tl = tools::load_tools_config(text);
  EXPECT_TRUE(tl.problems.empty()) << tl.problems.front();
  EXPECT_EQ(tl.config.statement_timeout.count(), 1500);
  return std::make_unique<tools::ToolExecutor>(std::make_shared<Config>(load.config), tl.config);
}

class ToolsConversation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    proxy_ = new ProxyProcess("tools_conversation");
    executor_ = make_executor(*proxy_).release();
  }
  static void TearDownTestSuite() {
    delete executor_;
    delete proxy_;
  }
  static PostReply post(const nlohmann::json& body) {
    std::promise<tools::ApiReply> p;
    tools::handle_database_request(*executor_, {}, body,
                                   [&p](tools::ApiReply r) { p.set_value(std::move(r)); });
    auto r = p.get_future().get();
    // Through text, as a client would see it.
    return {r.status, nlohmann::json::parse(tools::dump_json(r.body))};
  }
  static ProxyProcess* proxy_;
  static tools::ToolExecutor* executor_;
};
ProxyProcess* ToolsConversation::proxy_ = nullptr;
tools::ToolExecutor* ToolsConversation::executor_ = nullptr;

TEST_F(ToolsConversation, Postgres) {
  EXPECT_GE(run_conversation("postgres", post), 20);
}
TEST_F(ToolsConversation, Mysql) {
  EXPECT_GE(run_conversation("mysql", post), 20);
}

TEST(ToolsConfig, ProblemsNameTheKey) {
  auto bad = tools::load_tools_config("[tools]\nmax_rows = 0\nengine = \"oracle\"\nfoo = 1\n");
  ASSERT_EQ(bad.problems.size(), 3u);
  EXPECT_NE(bad.problems[0].find("tools.foo"), std::string::npos);
  auto none = tools::load_tools_config("[server]\nworkers = 1\n");
  EXPECT_TRUE(none.problems.empty());
  EXPECT_EQ(none.config.user, "exo_ai");
  EXPECT_EQ(none.config.max_rows, 1000u);
}

TEST_F(ToolsConversation, BadRequestsAreAnswered400) {
  EXPECT_EQ(post({{"action", "dance"}}).status, 400u);
  EXPECT_EQ(post(nlohmann::json::array()).status, 400u);
  EXPECT_EQ(post({{"action", "execute"}}).status, 400u);
  EXPECT_EQ(
      post({{"action", "execute"}, {"tool_call", {{"function", {{"arguments", "{}"}}}}}}).status,
      400u);
  EXPECT_EQ(post({{"action", "tools"}, {"engine", 5}}).status, 400u);
}

}  // namespace
}  // namespace sw::test
