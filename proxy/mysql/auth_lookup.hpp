#pragma once
// MySQL authentication pass-through (PgBouncer's auth_user / auth_query): a
// client whose user has no [[users]] entry is checked against the hash the
// backend stores for that account, read with the listener's `auth_query`
// over a connection logged in as `auth_user`. Only mysql_native_password
// accounts qualify: their stored hash verifies the client's proof, and the
// proof yields what logs in to the backend (see has_native_password_hash).
// Accounts of other plugins are answered as an unknown user is (1045).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/mysql/server_connection.hpp"
#include "proxy/net/asio.hpp"

namespace sw::mysql {

// `query` with each `?` replaced by `name` as a literal that no sql_mode
// (NO_BACKSLASH_ESCAPES, ANSI_QUOTES) can misread: a hex string converted
// to utf8mb4.
std::string bind_user_name(std::string_view query, std::string_view name);

// The account's stored "*HEX" hash when its first row names the plugin
// mysql_native_password (or none) and carries such a hash; nullopt for no
// row, another plugin, or no hash. Columns: plugin, authentication_string.
std::optional<std::string> usable_native_hash(const ServerConnection::Rows& rows);

// Logs in with `auth_login`, runs `query` for `name` and returns the
// UserConfig of a backend-only user (its hash as password, profile left to
// the tenant's default); nullopt when the backend has no usable account.
net::awaitable<Result<std::optional<UserConfig>>> lookup_backend_user(
    const Endpoint& backend, const BackendLogin& auth_login, std::string_view query,
    std::string_view name, std::chrono::milliseconds connect_timeout);

}  // namespace sw::mysql
