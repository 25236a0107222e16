#include "proxy/mysql/client_state.hpp"

#include <algorithm>

namespace sw::mysql {

bool ClientState::add_replay(std::string_view set) {
  auto it = std::find(replay_.begin(), replay_.end(), set);
  if (it != replay_.end()) {
    if (it + 1 == replay_.end()) return true;
    replay_.erase(it);
  } else if (replay_.size() >= max_replay) {
    return false;
  }
  replay_.emplace_back(set);
  settings_key_.clear();
  for (const std::string& s : replay_) {
    settings_key_ += s;
    settings_key_ += '\0';
  }
  return true;
}

std::uint32_t ClientState::add_statement(ClientStatement s) {
  std::uint32_t id = next_statement_++;
  if (next_statement_ == 0xffffffffu) next_statement_ = 1;
  statements_[id] = std::move(s);
  last_prepared_ = id;
  return id;
}

ClientStatement* ClientState::statement(std::uint32_t id) {
  if (id == 0xffffffffu) id = last_prepared_;  // MariaDB: "the statement just prepared"
  auto it = statements_.find(id);
  return it == statements_.end() ? nullptr : &it->second;
}

}  // namespace sw::mysql
