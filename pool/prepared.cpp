#include "pool/prepared.hpp"

namespace sw::pool {

StatementId StatementCatalog::intern(std::string_view text, std::string_view params) {
  std::string key;
  key.reserve(text.size() + params.size() + 9);
  key.append(std::to_string(text.size())).push_back(':');
  key.append(text).append(params);
  auto [it, inserted] = by_key_.try_emplace(std::move(key), next_);
  if (inserted) {
    by_id_.emplace(next_, PreparedStatement{std::string(text), std::string(params)});
    ++next_;
  }
  return it->second;
}

const PreparedStatement* StatementCatalog::find(StatementId id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

std::string StatementCatalog::server_name(StatementId id) {
  return "sw_" + std::to_string(id);
}

}  // namespace sw::pool
