#include "proxy/mysql/auth_lookup.hpp"

#include <fmt/format.h>

#include "proxy/mysql/codec/auth.hpp"

namespace sw::mysql {

std::string bind_user_name(std::string_view query, std::string_view name) {
  std::string literal = "CONVERT(X'";
  for (unsigned char c : name) literal += fmt::format("{:02X}", c);
  literal += "' USING utf8mb4)";
  std::string out;
  out.reserve(query.size() + literal.size());
  for (char c : query) {
    if (c == '?')
      out += literal;
    else
      out += c;
  }
  return out;
}

std::optional<std::string> usable_native_hash(const ServerConnection::Rows& rows) {
  if (rows.error || rows.rows.empty() || rows.rows.front().size() < 2) return std::nullopt;
  const auto& row = rows.rows.front();
  std::string plugin = row[0].value_or("");
  if (!plugin.empty() && plugin != native_password_plugin) return std::nullopt;
  if (!row[1] || !parse_native_password_hash(*row[1])) return std::nullopt;
  return *row[1];
}

net::awaitable<Result<std::optional<UserConfig>>> lookup_backend_user(
    const Endpoint& backend, const BackendLogin& auth_login, std::string_view query,
    std::string_view name, std::chrono::milliseconds connect_timeout) {
  auto opened = co_await ServerConnection::open(backend, auth_login, connect_timeout);
  if (!opened) co_return std::move(opened).error();
  if (opened->error)
    co_return make_error(Errc::auth_failed, "auth_user '" + auth_login.user +
                                                "' cannot log in: " + opened->error->message);
  auto& conn = *opened->connection;
  auto rows = co_await conn.query_rows(bind_user_name(query, name), 2);
  co_await conn.quit();
  if (!rows) co_return std::move(rows).error();
  if (rows->error)
    co_return make_error(Errc::auth_failed, "auth_query failed: " + rows->error->message);
  auto hash = usable_native_hash(*rows);
  if (!hash) co_return std::optional<UserConfig>{};
  UserConfig user;
  user.name = std::string(name);
  user.password = Secret(std::move(*hash));
  co_return std::optional<UserConfig>(std::move(user));
}

}  // namespace sw::mysql
