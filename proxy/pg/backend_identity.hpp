#pragma once
// Which backend role a client session logs in as, and with what: the
// configured password, or — when the proxy never learns the password — the
// password-equivalent the client's own login yielded (SCRAM keys recovered
// from its proof, or the md5 hash the backend stores).
#include <string>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"
#include "proxy/pg/auth/credential.hpp"
#include "proxy/pg/client_auth.hpp"

namespace sw::pg {

struct BackendIdentity {
  std::string user;
  auth::BackendCredential credential;
};

// A [[users]] entry: backend_user/backend_password, else its own name and
// password; a SCRAM verifier without backend_password logs in with the
// keys recovered from the client's SCRAM proof.
Result<BackendIdentity> backend_identity(const UserConfig& user, const AuthOutcome& outcome);

// A user known only to the backend (auth_query): the same role, with the
// secret the backend stores for it.
Result<BackendIdentity> backend_identity(const std::string& user, const Secret& stored,
                                         const AuthOutcome& outcome);

}  // namespace sw::pg
