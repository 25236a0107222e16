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

// The proxy's own config file plus the test's [tools] section.
std::shared_ptr<Config> tools_config(const ProxyProcess& proxy) {
  std::ifstream in(proxy.dir() + "/sqlwarden.toml");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto load = load_toml_config_text(text + kToolsToml, "sqlwarden.toml");
  EXPECT_TRUE(load.issues.empty()) << load.issues.front().message;
  return std::make_shared<Config>(load.config);
}

class ToolsConversation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    proxy_ = new ProxyProcess("tools_conversation");
    executor_ = new tools::ToolExecutor(tools_config(*proxy_));
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
