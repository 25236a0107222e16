#pragma once
// Authentication pass-through (PgBouncer's auth_user / auth_query): reads
// the password hash a backend stores for a role, over a short-lived backend
// connection logged in as the listener's auth_user. The query runs with the
// extended protocol, the user name bound as $1 (never spliced into SQL).
#include <optional>
#include <string>
#include <string_view>

#include "proxy/core/result.hpp"
#include "proxy/core/secret.hpp"
#include "proxy/pg/server_connection.hpp"

namespace sw::pg {

// The stored secret of `user` (SCRAM verifier, md5 hash or — from a
// custom query — a plain password); nullopt when the query returns no row
// or a NULL password (such a role cannot log in with a password). An error
// when the auth_user cannot log in or the query fails: a server problem,
// not a wrong password.
net::awaitable<Result<std::optional<Secret>>> lookup_stored_secret(const ServerLogin& auth_login,
                                                                   std::string_view query,
                                                                   std::string_view user);

}  // namespace sw::pg
