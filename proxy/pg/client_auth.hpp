#pragma once
// The proxy authenticating a client against a stored secret — a configured
// user's password or verifier, or the hash the backend stores (auth_query):
// SCRAM-SHA-256 (plain passwords or verifiers), md5 (plain passwords or md5
// hashes), or trust. Method and secret combine as in PostgreSQL: md5 with a
// SCRAM verifier runs SCRAM; scram-sha-256 with an md5 hash fails. Failure
// answers exactly what PostgreSQL answers (28P01).
#include <optional>
#include <string>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/tls.hpp"
#include "proxy/pg/auth/scram.hpp"
#include "proxy/pg/listener_context.hpp"
#include "proxy/pg/message_reader.hpp"

namespace sw::pg {

// On failure, the returned error's message is the text for the client's
// FATAL ErrorResponse and `sqlstate` says which SQLSTATE goes with it (empty
// when the client just went away).
struct AuthOutcome {
  bool ok = false;
  std::string sqlstate;
  std::string message;
  // Set after a successful SCRAM exchange: the role's password-equivalent.
  std::optional<auth::ScramKeys> scram_keys;
};

// The user a client names and the secret that proves it (null: unknown
// user; the exchange still runs and fails, so names cannot be probed).
struct ClaimedUser {
  const std::string& name;
  const Secret* secret = nullptr;
  // A configured plain password: its SCRAM verifier is derived once per
  // worker and cached by user name.
  bool cache_verifier = false;
};

net::awaitable<AuthOutcome> authenticate_client(ListenerContext& ctx, net::Stream& client,
                                                MessageReader& reader, const ClaimedUser& user);

}  // namespace sw::pg
