#pragma once
// What one MySQL client's session holds that must follow it from server
// connection to server connection under pooling (issue 10): its database,
// character set, the session SETs to replay, what pins it, its
// LAST_INSERT_ID() and its prepared statements under the proxy's own ids.
// Plain data; the lease (server_lease.hpp) applies it to a connection.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sw::mysql {

struct ClientStatement {
  std::string sql;
  std::uint16_t params = 0;
  std::string types;  // the parameter types of the client's last binding
};

class ClientState {
 public:
  std::string database;
  std::uint8_t charset = 0;
  std::uint32_t pins = 0;  // SessionPin bits
  bool hold_next = false;  // the next command must run on the same connection
  bool cursor_open = false;
  bool long_data = false;  // COM_STMT_SEND_LONG_DATA waits for its execute
  std::uint64_t last_insert_id = 0;

  // Session SETs in the order they must be replayed; a repeated statement
  // moves to the end, where its effect now belongs.
  const std::vector<std::string>& replay() const noexcept { return replay_; }
  // A string that differs whenever replay() does (compared with a
  // connection's applied settings).
  const std::string& settings_key() const noexcept { return settings_key_; }
  // False when the list is full (the caller pins instead).
  bool add_replay(std::string_view set);

  // Prepared statements under proxy ids (never 0, never 0xffffffff).
  std::uint32_t add_statement(ClientStatement s);
  ClientStatement* statement(std::uint32_t id);
  void remove_statement(std::uint32_t id) { statements_.erase(id); }
  std::uint32_t last_prepared() const noexcept { return last_prepared_; }

  // Anything that keeps the client on its current server connection.
  bool pinned() const noexcept { return pins || hold_next || cursor_open || long_data; }

 private:
  static constexpr std::size_t max_replay = 64;
  std::vector<std::string> replay_;
  std::string settings_key_;
  std::unordered_map<std::uint32_t, ClientStatement> statements_;
  std::uint32_t next_statement_ = 1;
  std::uint32_t last_prepared_ = 0;
};

}  // namespace sw::mysql
