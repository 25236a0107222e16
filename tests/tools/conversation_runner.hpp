#pragma once
// Plays tests/tools/conversation.json against one engine through `post`
// (a function that sends a `POST /database` body and returns the reply's
// status and JSON), checking each answer as the fixture expects.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace sw::test {

struct PostReply {
  unsigned status = 0;
  nlohmann::json body;
};
using PostFn = std::function<PostReply(const nlohmann::json& body)>;

// Returns the number of tool calls made (gtest failures are recorded).
int run_conversation(const std::string& engine, const PostFn& post);

// {"$engine": {"postgres": a, "mysql": b}} → the engine's value, recursively.
nlohmann::json for_engine(const nlohmann::json& j, const std::string& engine);

}  // namespace sw::test
