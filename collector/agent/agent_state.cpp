#include "collector/agent/agent_state.hpp"

#include <openssl/rand.h>

#include <array>
#include <tuple>

#include <fmt/format.h>

#include "audit/durable_file.hpp"

namespace sw::collector::agent {

namespace {
using nlohmann::json;
}  // namespace

Result<AgentState> AgentState::open(const std::string& dir) {
  if (auto made = audit::ensure_directory(dir); !made) return std::move(made).error();
  AgentState s;
  s.path_ = dir + "/state.json";
  auto text = audit::read_whole_file(s.path_);
  if (!text) {
    if (text.error().code != Errc::not_found) return std::move(text).error();
    std::array<unsigned char, 8> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1)
      return make_error(Errc::internal, "the system random generator failed");
    for (auto b : random) s.prefix_ += fmt::format("{:02x}", b);
    if (auto saved = s.save(); !saved) return std::move(saved).error();
    return s;
  }
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object())
    return make_error(Errc::config,
                      s.path_ + ": not a collector state file; move it away to start over");
  try {
    s.prefix_ = j.at("prefix").get<std::string>();
    s.next_seq_ = j.at("next_seq").get<std::uint64_t>();
    s.cursor_ = j.value("cursor", json());
    s.last_command_ = j.value("last_command", std::uint64_t{0});
    s.stopped_ = j.value("stopped", false);
    s.dropped_ = j.value("dropped", std::uint64_t{0});
    for (const auto& b : j.value("pending", json::array()))
      s.pending_.push_back(PendingBatch{b.at("id").get<std::string>(),
                                        b.at("body").get<std::string>(),
                                        b.value("queries", std::uint64_t{0})});
  } catch (const json::exception& e) {
    return make_error(Errc::config,
                      fmt::format("{}: not a collector state file ({}); move it away to start over",
                                  s.path_, e.what()));
  }
  return s;
}

Status AgentState::save() const {
  json pending = json::array();
  for (const auto& b : pending_)
    pending.push_back({{"id", b.id}, {"body", b.body}, {"queries", b.queries}});
  json j = {{"version", 1},
            {"prefix", prefix_},
            {"next_seq", next_seq_},
            {"cursor", cursor_},
            {"last_command", last_command_},
            {"stopped", stopped_},
            {"dropped", dropped_},
            {"pending", pending}};
  return audit::write_file_atomically(path_, j.dump() + "\n");
}

Result<std::uint64_t> AgentState::add_collection(const json& queries, const char* source,
                                                 json cursor, std::size_t max_batch,
                                                 std::size_t max_pending) {
  AgentState before = *this;
  std::uint64_t dropped = 0;
  for (std::size_t at = 0; at < queries.size();) {
    // At most max_batch queries and about kMaxBatchBytes per POST (the
    // admin server's default body limit is 1 MiB).
    json part = json::array();
    std::size_t bytes = 0;
    while (at < queries.size() && part.size() < max_batch &&
           (part.empty() || bytes + queries[at].dump().size() <= kMaxBatchBytes)) {
      bytes += queries[at].dump().size();
      part.push_back(queries[at++]);
    }
    std::string id = fmt::format("{}-{}", prefix_, next_seq_++);
    json body = {{"batch_id", id}, {"source", source}, {"queries", part}};
    pending_.push_back(PendingBatch{id, body.dump(), part.size()});
    while (pending_.size() > max_pending) {
      pending_.pop_front();
      ++dropped;
    }
  }
  dropped_ += dropped;
  cursor_ = std::move(cursor);
  if (auto saved = save(); !saved) {
    *this = std::move(before);  // nothing moved: the same window is read again next time
    return std::move(saved).error();
  }
  return dropped;
}

Status AgentState::remove_front() {
  if (pending_.empty()) return {};
  PendingBatch front = std::move(pending_.front());
  pending_.pop_front();
  if (auto saved = save(); !saved) {
    pending_.push_front(std::move(front));
    return saved;
  }
  return {};
}

Status AgentState::set_last_command(std::uint64_t id, bool stopped) {
  auto prev = std::pair{last_command_, stopped_};
  last_command_ = id;
  stopped_ = stopped;
  if (auto saved = save(); !saved) {
    std::tie(last_command_, stopped_) = prev;
    return saved;
  }
  return {};
}

}  // namespace sw::collector::agent
