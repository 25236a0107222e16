#include "proxy/pg/backend_identity.hpp"

namespace sw::pg {

namespace {

Error no_equivalent(const std::string& user) {
  return make_error(
      Errc::auth_failed,
      "sqlwarden: no backend_password configured for user \"" + user +
          "\" (its password is a SCRAM verifier, and this login gave no SCRAM proof)");
}

}  // namespace

Result<BackendIdentity> backend_identity(const UserConfig& user, const AuthOutcome& outcome) {
  BackendIdentity id;
  id.user = user.backend_user.empty() ? user.name : user.backend_user;
  const Secret& pw = user.backend_password.empty() ? user.password : user.backend_password;
  if (!auth::is_scram_verifier(pw.reveal())) {
    id.credential = auth::BackendCredential::password(pw);
    return id;
  }
  // The keys prove the client's role only: never another backend role.
  if (!outcome.scram_keys || id.user != user.name) return no_equivalent(user.name);
  id.credential = auth::BackendCredential::keys(*outcome.scram_keys);
  return id;
}

Result<BackendIdentity> backend_identity(const std::string& user, const Secret& stored,
                                         const AuthOutcome& outcome) {
  BackendIdentity id;
  id.user = user;
  const std::string& s = stored.reveal();
  if (auth::is_md5_hash(s)) {
    id.credential = auth::BackendCredential::md5(stored);
  } else if (auth::is_scram_verifier(s)) {
    if (!outcome.scram_keys)
      return make_error(Errc::auth_failed, "sqlwarden: user \"" + user +
                                               "\" has a SCRAM secret on the server, and this "
                                               "login gave no SCRAM proof to log in with");
    id.credential = auth::BackendCredential::keys(*outcome.scram_keys);
  } else {
    id.credential = auth::BackendCredential::password(stored);
  }
  return id;
}

}  // namespace sw::pg
