#pragma once
// The proxy authenticating a client against its configured users: SCRAM-
// SHA-256 (plain passwords or stored verifiers), md5 (plain passwords), or
// trust. Failure answers exactly what PostgreSQL answers (28P01).
#include <string>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/tls.hpp"
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
};

net::awaitable<AuthOutcome> authenticate_client(ListenerContext& ctx, net::Stream& client,
                                                MessageReader& reader, const std::string& user_name,
                                                const UserConfig* user);

}  // namespace sw::pg
