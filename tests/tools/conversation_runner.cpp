#include "tests/tools/conversation_runner.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

void check_step(const nlohmann::json& step, const nlohmann::json& reply) {
  const nlohmann::json& expect = step["expect"];
  SCOPED_TRACE(step["description"].get<std::string>() + "\nreply: " + reply.dump().substr(0, 2000));
  ASSERT_EQ(reply.value("tool_call_id", nlohmann::json()), step["tool_call"]["id"]);
  ASSERT_EQ(reply.value("role", ""), "tool");
  ASSERT_TRUE(reply.contains("result"));
  const nlohmann::json& r = reply["result"];
  // content is the result as JSON text (what goes back to the model).
  EXPECT_EQ(nlohmann::json::parse(reply["content"].get<std::string>()), r);
  for (const auto& [key, want] : expect.items()) {
    if (key == "rule" || key == "sqlstate") {
      ASSERT_TRUE(r.contains("error"));
      if (want.is_null()) continue;
      EXPECT_EQ(r["error"][key], want) << key;
      EXPECT_FALSE(r["error"].value("message", "").empty());
    } else if (key == "first_row") {
      ASSERT_FALSE(r["rows"].empty());
      for (const auto& [col, value] : want.items()) EXPECT_EQ(r["rows"][0][col], value) << col;
    } else if (key == "last_insert_id") {
      if (want == "set")
        EXPECT_TRUE(r["last_insert_id"].is_number_unsigned());
      else
        EXPECT_TRUE(r["last_insert_id"].is_null());
    } else if (key == "min_table_count") {
      EXPECT_GE(r.value("table_count", 0), want.get<int>());
    } else if (key == "schema_primary_key") {
      ASSERT_FALSE(r["tables"].empty());
      EXPECT_EQ(r["tables"][0]["primary_key"], want);
      EXPECT_FALSE(r["tables"][0]["columns"].empty());
      EXPECT_FALSE(r["tables"][0]["indexes"].empty());
    } else if (key == "max_ms") {
      EXPECT_LT(r.value("execution_time_ms", 1e9), want.get<double>());
    } else {
      EXPECT_EQ(r.value(key, nlohmann::json()), want) << key;
    }
  }
  if (r.value("success", false) && r.contains("query_hash")) {
    EXPECT_EQ(r["query_hash"].get<std::string>().size(), 16u);
  }
}

}  // namespace

nlohmann::json for_engine(const nlohmann::json& j, const std::string& engine) {
  if (j.is_object()) {
    if (j.size() == 1 && j.contains("$engine")) return j["$engine"].at(engine);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : j.items()) out[k] = for_engine(v, engine);
    return out;
  }
  if (j.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : j) out.push_back(for_engine(v, engine));
    return out;
  }
  return j;
}

int run_conversation(const std::string& engine, const PostFn& post) {
  std::ifstream in(source_dir() + "/tests/tools/conversation.json");
  nlohmann::json fixture = nlohmann::json::parse(in);
  int calls = 0;

  // The model first fetches the tool definitions.
  PostReply tools = post({{"action", "tools"}});
  EXPECT_EQ(tools.status, 200u);
  EXPECT_EQ(tools.body["tools"].size(), 3u);
  for (const auto& t : tools.body["tools"]) {
    EXPECT_EQ(t["type"], "function");
    EXPECT_TRUE(t["function"]["parameters"].is_object());
  }

  for (const auto& raw : fixture["steps"]) {
    nlohmann::json step = for_engine(raw, engine);
    // Arguments given as a JSON string are engine-resolved inside the string.
    auto& args = step["tool_call"]["function"]["arguments"];
    if (args.is_string()) {
      auto parsed = nlohmann::json::parse(args.get<std::string>(), nullptr, false);
      if (!parsed.is_discarded()) args = for_engine(parsed, engine).dump();
    }
    PostReply reply =
        post({{"action", "execute"}, {"engine", engine}, {"tool_call", step["tool_call"]}});
    ++calls;
    EXPECT_EQ(reply.status, 200u) << reply.body.dump();
    check_step(step, reply.body);
  }

  // Several calls at once are answered in order.
  nlohmann::json batch = nlohmann::json::array();
  for (int i = 0; i < 3; ++i)
    batch.push_back(
        {{"id", "batch_" + std::to_string(i)},
         {"type", "function"},
         {"function",
          {{"name", "query_database"},
           {"arguments",
            nlohmann::json({{"query", "SELECT " + std::to_string(i) + " AS v"}}).dump()}}}});
  PostReply many = post({{"action", "execute"}, {"engine", engine}, {"tool_calls", batch}});
  calls += 3;
  EXPECT_EQ(many.status, 200u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(many.body["results"][i]["tool_call_id"], "batch_" + std::to_string(i));
    EXPECT_EQ(many.body["results"][i]["result"]["rows"][0]["v"], i);
  }

  PostReply test = post({{"action", "test"}, {"engine", engine}});
  ++calls;
  EXPECT_EQ(test.body.value("success", false), true) << test.body.dump();
  EXPECT_FALSE(test.body.value("server_version", "").empty());
  return calls;
}

}  // namespace sw::test
